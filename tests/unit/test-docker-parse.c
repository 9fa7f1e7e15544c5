/* test-docker-parse.c: the registry protocol's small text formats
 * (plugins/docker/docker-parse.c): WWW-Authenticate challenges, Link headers,
 * Retry-After, error bodies and URL resolution, including malformed input.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "docker-plugin.h"
#include "skopos-check.h"

static GPtrArray *
challenges (const char *value)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) docker_challenge_free);
  docker_parse_www_authenticate (value, out);
  return out;
}

static const char *
param (GPtrArray *list, guint i, const char *name)
{
  DockerChallenge *c = list->pdata[i];
  return g_hash_table_lookup (c->params, name);
}

START_TEST (test_docker_parse_bearer)
{
  g_autoptr (GPtrArray) list = challenges (
      "Bearer realm=\"https://auth.example/token\",service=\"registry.example\","
      "scope=\"repository:samalba/my-app:pull,push\"");
  ck_assert_uint_eq (list->len, 1);
  ck_assert_str_eq (((DockerChallenge *) list->pdata[0])->scheme, "bearer");
  ck_assert_str_eq (param (list, 0, "realm"), "https://auth.example/token");
  ck_assert_str_eq (param (list, 0, "service"), "registry.example");
  ck_assert_str_eq (param (list, 0, "scope"), "repository:samalba/my-app:pull,push");
}
END_TEST

START_TEST (test_docker_parse_several_challenges)
{
  g_autoptr (GPtrArray) list = challenges (
      "Basic realm=\"a \\\"quoted\\\" realm\", Bearer REALM=https://t.example/x , "
      "error=insufficient_scope,  Negotiate abc123==");
  ck_assert_uint_eq (list->len, 3);
  ck_assert_str_eq (((DockerChallenge *) list->pdata[0])->scheme, "basic");
  ck_assert_str_eq (param (list, 0, "realm"), "a \"quoted\" realm");
  ck_assert_str_eq (((DockerChallenge *) list->pdata[1])->scheme, "bearer");
  ck_assert_str_eq (param (list, 1, "realm"), "https://t.example/x");
  ck_assert_str_eq (param (list, 1, "error"), "insufficient_scope");
  ck_assert_str_eq (((DockerChallenge *) list->pdata[2])->scheme, "negotiate");
}
END_TEST

START_TEST (test_docker_parse_bad_challenges)
{
  /* Nothing here may crash or loop; what can be read is read. */
  const char *bad[] = { "", ",,,", "=", "\"unterminated", "Bearer realm=\"open", "Bearer ,=,=",
                        "Bearer realm=", "@@@ Bearer realm=x", NULL };
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr (GPtrArray) list = challenges (bad[i]);
      ck_assert_uint_le (list->len, 2);
    }
  g_autoptr (GPtrArray) list = challenges ("Bearer realm=");
  ck_assert_uint_eq (list->len, 1);
  ck_assert_str_eq (param (list, 0, "realm"), "");
}
END_TEST

START_TEST (test_docker_parse_link)
{
  g_autofree char *a = docker_parse_link_next ("</v2/x/tags/list?n=50&last=t050>; rel=\"next\"");
  ck_assert_str_eq (a, "/v2/x/tags/list?n=50&last=t050");
  g_autofree char *b = docker_parse_link_next (
      "<https://a.example/prev>; rel=\"prev\", <https://a.example/next>; rel=next");
  ck_assert_str_eq (b, "https://a.example/next");
  g_autofree char *c = docker_parse_link_next ("<u>; title=\"x\"; rel=\"first next\"");
  ck_assert_str_eq (c, "u");
  ck_assert_ptr_null (docker_parse_link_next ("</x>; rel=\"last\""));
  ck_assert_ptr_null (docker_parse_link_next ("garbage"));
  ck_assert_ptr_null (docker_parse_link_next ("<unterminated; rel=next"));
  ck_assert_ptr_null (docker_parse_link_next (NULL));
}
END_TEST

START_TEST (test_docker_parse_retry_after)
{
  ck_assert_int_eq (docker_parse_retry_after ("3"), 3);
  ck_assert_int_eq (docker_parse_retry_after (" 0 "), 0);
  ck_assert_int_eq (docker_parse_retry_after ("Sun, 06 Nov 1994 08:49:37 GMT"), 0);
  gint64 future = docker_parse_retry_after ("Fri, 31 Dec 2100 23:59:59 GMT");
  ck_assert_int_gt (future, 1000);
  ck_assert_int_eq (docker_parse_retry_after ("soon"), -1);
  ck_assert_int_eq (docker_parse_retry_after ("-5"), -1);
  ck_assert_int_eq (docker_parse_retry_after ("Sun, 06 Foo 1994 08:49:37 GMT"), -1);
  ck_assert_int_eq (docker_parse_retry_after (NULL), -1);
}
END_TEST

START_TEST (test_docker_parse_error_body)
{
  const char *json = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
                     "unknown\",\"detail\":\"tag v9\"},{\"code\":\"DENIED\",\"message\":\"\"}]}";
  g_autoptr (GBytes) body = g_bytes_new_static (json, strlen (json));
  g_autofree char *code = NULL;
  g_autofree char *line = docker_parse_error_body (body, 404, &code);
  ck_assert_str_eq (line, "manifest unknown (tag v9); denied");
  ck_assert_str_eq (code, "MANIFEST_UNKNOWN");

  g_autoptr (GBytes) html = g_bytes_new_static ("<html>bad gateway</html>", 24);
  g_autofree char *code2 = NULL;
  g_autofree char *line2 = docker_parse_error_body (html, 502, &code2);
  ck_assert_str_eq (line2, "bad gateway (HTTP 502)");
  ck_assert_ptr_null (code2);

  g_autofree char *line3 = docker_parse_error_body (NULL, 418, NULL);
  ck_assert_str_eq (line3, "unexpected answer (HTTP 418)");

  /* Control characters never reach a terminal; long messages are cut. */
  GString *big = g_string_new ("{\"errors\":[{\"code\":\"X\",\"message\":\"a\\u001b[31mb");
  for (guint i = 0; i < 500; i++)
    g_string_append_c (big, 'z');
  g_string_append (big, "\"}]}");
  g_autoptr (GBytes) long_body = g_string_free_to_bytes (big);
  g_autofree char *line4 = docker_parse_error_body (long_body, 400, NULL);
  ck_assert_ptr_null (strchr (line4, '\033'));
  ck_assert_uint_lt (strlen (line4), 320);
}
END_TEST

START_TEST (test_docker_parse_urls)
{
  g_autofree char *o1 = docker_url_origin ("HTTPS://Reg.Example:443/v2/x?y");
  ck_assert_str_eq (o1, "https://reg.example");
  g_autofree char *o2 = docker_url_origin ("http://user:pw@127.0.0.1:5000/v2/");
  ck_assert_str_eq (o2, "http://127.0.0.1:5000");
  ck_assert_ptr_null (docker_url_origin ("/v2/relative"));

  const char *base = "http://127.0.0.1:5000/v2/app/blobs/uploads/?x=1";
  g_autofree char *r1 = docker_url_resolve (base, "/v2/app/blobs/uploads/uuid?_state=s");
  ck_assert_str_eq (r1, "http://127.0.0.1:5000/v2/app/blobs/uploads/uuid?_state=s");
  g_autofree char *r2 = docker_url_resolve (base, "https://cdn.example/blob");
  ck_assert_str_eq (r2, "https://cdn.example/blob");
  g_autofree char *r3 = docker_url_resolve (base, "//other.example/x");
  ck_assert_str_eq (r3, "http://other.example/x");
  g_autofree char *r4 = docker_url_resolve (base, "uuid2");
  ck_assert_str_eq (r4, "http://127.0.0.1:5000/v2/app/blobs/uploads/uuid2");

  g_autofree char *red = docker_url_redact ("https://me:secret@reg.example/v2/");
  ck_assert_str_eq (red, "https://reg.example/v2/");
  g_autofree char *plain = docker_url_redact ("https://reg.example/v2/?a=b@c");
  ck_assert_str_eq (plain, "https://reg.example/v2/?a=<redacted>");
  /* Signed redirects and upload state are hidden; the API's own parameters stay. */
  g_autofree char *cdn = docker_url_redact (
      "https://cdn.example/b?X-Amz-Signature=abc&X-Amz-Credential=k&n=1");
  ck_assert_str_eq (cdn, "https://cdn.example/b?X-Amz-Signature=<redacted>&"
                         "X-Amz-Credential=<redacted>&n=1");
  g_autofree char *upload = docker_url_redact (
      "http://u:p@reg:5000/v2/a/blobs/uploads/x?_state=SECRET&digest=sha256:00");
  ck_assert_str_eq (upload, "http://reg:5000/v2/a/blobs/uploads/x?_state=<redacted>&"
                            "digest=sha256:00");
}
END_TEST

static Suite *
docker_parse_suite (void)
{
  Suite *s = suite_create ("DockerParse");
  TCase *tc = tcase_create ("headers");
  tcase_add_test (tc, test_docker_parse_bearer);
  tcase_add_test (tc, test_docker_parse_several_challenges);
  tcase_add_test (tc, test_docker_parse_bad_challenges);
  tcase_add_test (tc, test_docker_parse_link);
  tcase_add_test (tc, test_docker_parse_retry_after);
  suite_add_tcase (s, tc);

  tc = tcase_create ("bodies");
  tcase_add_test (tc, test_docker_parse_error_body);
  tcase_add_test (tc, test_docker_parse_urls);
  suite_add_tcase (s, tc);
  return s;
}

SKOPOS_TEST_MAIN (docker_parse_suite)
