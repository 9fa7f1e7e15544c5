/* test-docker-reference.c: the docker image name grammar, valid and invalid forms.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include <skopos/skopos-docker-reference.h>
#include <skopos/skopos-error.h>

#define SHA256_F "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define SHA256_A "sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa"
#define SHA512_F                                                                                   \
  "sha512:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"                        \
  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define HEX64 "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"

typedef struct
{
  const char *input;
  const char *domain;
  const char *path;
  const char *tag;    /* NULL: none */
  const char *digest; /* NULL: none */
  const char *string;
  const char *familiar;
} ValidCase;

static const ValidCase valid_cases[] = {
  /* Short names land in docker.io/library. */
  { "busybox", "docker.io", "library/busybox", NULL, NULL, "docker.io/library/busybox", "busybox" },
  { "busybox:1.36", "docker.io", "library/busybox", "1.36", NULL,
    "docker.io/library/busybox:1.36", "busybox:1.36" },
  { "library/debian", "docker.io", "library/debian", NULL, NULL, "docker.io/library/debian",
    "debian" },
  { "docker/docker", "docker.io", "docker/docker", NULL, NULL, "docker.io/docker/docker",
    "docker/docker" },
  { "docker.io/debian", "docker.io", "library/debian", NULL, NULL, "docker.io/library/debian",
    "debian" },
  { "docker.io/library/debian:12", "docker.io", "library/debian", "12", NULL,
    "docker.io/library/debian:12", "debian:12" },
  { "index.docker.io/debian", "docker.io", "library/debian", NULL, NULL,
    "docker.io/library/debian", "debian" },
  { "index.docker.io/docker/docker", "docker.io", "docker/docker", NULL, NULL,
    "docker.io/docker/docker", "docker/docker" },
  /* "library/" is only dropped when it is the whole namespace. */
  { "library/a/b", "docker.io", "library/a/b", NULL, NULL, "docker.io/library/a/b",
    "library/a/b" },
  { "other/library", "docker.io", "other/library", NULL, NULL, "docker.io/other/library",
    "other/library" },
  /* Domains: a dot, a port or "localhost" make the first component a registry. */
  { "quay.io/ns/img:1.0", "quay.io", "ns/img", "1.0", NULL, "quay.io/ns/img:1.0",
    "quay.io/ns/img:1.0" },
  { "localhost/foo", "localhost", "foo", NULL, NULL, "localhost/foo", "localhost/foo" },
  { "localhost:5000/foo/bar:t", "localhost:5000", "foo/bar", "t", NULL,
    "localhost:5000/foo/bar:t", "localhost:5000/foo/bar:t" },
  { "127.0.0.1:5000/debian", "127.0.0.1:5000", "debian", NULL, NULL, "127.0.0.1:5000/debian",
    "127.0.0.1:5000/debian" },
  { "test:5000/repo", "test:5000", "repo", NULL, NULL, "test:5000/repo", "test:5000/repo" },
  { "sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux",
    "some-long-tag", NULL, "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
    "sub-dom1.foo.com/bar/baz/quux:some-long-tag" },
  { "b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app",
    "test.example.com", NULL, "b.gcr.io/test.example.com/my-app:test.example.com",
    "b.gcr.io/test.example.com/my-app:test.example.com" },
  { "xn--n3h.com:18080/myimage", "xn--n3h.com:18080", "myimage", NULL, NULL,
    "xn--n3h.com:18080/myimage", "xn--n3h.com:18080/myimage" },
  { "Example.COM/foo", "Example.COM", "foo", NULL, NULL, "Example.COM/foo", "Example.COM/foo" },
  { "a/b", "docker.io", "a/b", NULL, NULL, "docker.io/a/b", "a/b" },
  /* Without a "/" a colon starts a tag, never a port. */
  { "test.com:5000", "docker.io", "library/test.com", "5000", NULL,
    "docker.io/library/test.com:5000", "test.com:5000" },
  { "localhost:5000", "docker.io", "library/localhost", "5000", NULL,
    "docker.io/library/localhost:5000", "localhost:5000" },
  { "foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", NULL,
    "docker.io/library/foo_bar.com:8080", "foo_bar.com:8080" },
  /* Path component separators. */
  { "docker-rules/docker", "docker.io", "docker-rules/docker", NULL, NULL,
    "docker.io/docker-rules/docker", "docker-rules/docker" },
  { "docker---rules/docker", "docker.io", "docker---rules/docker", NULL, NULL,
    "docker.io/docker---rules/docker", "docker---rules/docker" },
  { "dock__er/docker", "docker.io", "dock__er/docker", NULL, NULL, "docker.io/dock__er/docker",
    "dock__er/docker" },
  { "ns/a.b_c/d-e", "docker.io", "ns/a.b_c/d-e", NULL, NULL, "docker.io/ns/a.b_c/d-e",
    "ns/a.b_c/d-e" },
  { "d/docker", "docker.io", "d/docker", NULL, NULL, "docker.io/d/docker", "d/docker" },
  { "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "docker.io",
    "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", NULL, NULL,
    "docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
    "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev" },
  /* 64 hex digits are fine once a domain removes the ambiguity. */
  { "docker.io/" HEX64, "docker.io", "library/" HEX64, NULL, NULL, "docker.io/library/" HEX64,
    HEX64 },
  { "ns/" HEX64, "docker.io", "ns/" HEX64, NULL, NULL, "docker.io/ns/" HEX64, "ns/" HEX64 },
  /* Tags: upper case, dots, dashes and underscores are all allowed. */
  { "lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", NULL,
    "docker.io/library/lowercase:Uppercase", "lowercase:Uppercase" },
  { "foo:_x.y-Z", "docker.io", "library/foo", "_x.y-Z", NULL, "docker.io/library/foo:_x.y-Z",
    "foo:_x.y-Z" },
  /* Digests, alone and with a tag (both are kept). */
  { "busybox@" SHA256_A, "docker.io", "library/busybox", NULL, SHA256_A,
    "docker.io/library/busybox@" SHA256_A, "busybox@" SHA256_A },
  { "test:5000/repo:tag@" SHA256_F, "test:5000", "repo", "tag", SHA256_F,
    "test:5000/repo:tag@" SHA256_F, "test:5000/repo:tag@" SHA256_F },
  { "xn--7o8h.com/myimage:xn--7o8h.com@" SHA512_F, "xn--7o8h.com", "myimage", "xn--7o8h.com",
    SHA512_F, "xn--7o8h.com/myimage:xn--7o8h.com@" SHA512_F,
    "xn--7o8h.com/myimage:xn--7o8h.com@" SHA512_F },
  { "ns/img:1@" SHA256_A, "docker.io", "ns/img", "1", SHA256_A, "docker.io/ns/img:1@" SHA256_A,
    "ns/img:1@" SHA256_A },
};

typedef struct
{
  const char *input;
  const char *message; /* a part of the expected message */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "", "repository name must have at least one component" },
  { HEX64, "cannot specify 64-byte hexadecimal strings" },
  /* Upper case in the repository path. */
  { "Foo/Bar", "repository name must be lowercase" },
  { "Uppercase:tag", "repository name must be lowercase" },
  { "docker/Docker", "repository name must be lowercase" },
  { "docker.io/docker/Docker", "repository name must be lowercase" },
  { "test:5000/Uppercase/lowercase:tag", "repository name must be lowercase" },
  { "BUSYBOX@" SHA256_A, "repository name must be lowercase" },
  /* Path components. */
  { "https://github.com/docker/docker", "invalid" },
  { "-docker", "invalid path component '-docker'" },
  { "-docker/docker", "invalid path component '-docker'" },
  { "docker-/docker", "invalid path component 'docker-'" },
  { "-docker-/docker", "invalid path component" },
  { "docker///docker", "empty path component" },
  { "docker.io/docker///docker", "empty path component" },
  { "docker/", "empty path component" },
  { "/foo", "empty path component" },
  { "____/____", "invalid path component '____'" },
  { "_docker/_docker", "invalid path component '_docker'" },
  { "ns/dock..er/docker", "invalid path component 'dock..er'" },
  { "ns/dock_.er/docker", "invalid path component 'dock_.er'" },
  { "ns/dock-.er/docker", "invalid path component 'dock-.er'" },
  /* With a "." the first component is taken as a domain, and these are not domains. */
  { "dock..er/docker", "invalid domain 'dock..er'" },
  { "dock_.er/docker", "invalid domain 'dock_.er'" },
  { "dock___er/docker", "invalid path component 'dock___er'" },
  { "a/b.", "invalid path component 'b.'" },
  { "aa/asdf$$^/aa", "invalid path component 'asdf$$^'" },
  { "foo bar", "invalid path component" },
  { "café", "invalid path component" },
  /* Domains. */
  { "-docker.io/docker/docker", "invalid domain '-docker.io'" },
  { "my_host.com/foo", "invalid domain 'my_host.com'" },
  { "a.b_c/d-e", "invalid domain 'a.b_c'" },
  { "example..com/foo", "invalid domain 'example..com'" },
  { "example.com./foo", "invalid domain 'example.com.'" },
  { "example-.com/foo", "invalid domain 'example-.com'" },
  { "localhost:/foo", "invalid domain 'localhost:'" },
  { "localhost:50a0/foo", "invalid domain 'localhost:50a0'" },
  { "foo:tag/bar", "invalid domain 'foo:tag'" },
  { "[::1]:5000/foo", "invalid domain '[::1]:5000'" },
  { "https://docker.io/foo", "invalid domain 'https:'" },
  /* Tags. */
  { ":justtag", "invalid" },
  { "foo:", "invalid tag ''" },
  { "foo:.tag", "invalid tag '.tag'" },
  { "foo:-tag", "invalid tag '-tag'" },
  { "foo:a:b", "invalid tag 'a:b'" },
  { "foo:t@g", "invalid digest" },
  { "foo:"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "invalid tag" },
  /* Digests. */
  { "@" SHA256_F, "empty path component" },
  { "repo@sha256:ffffffffffffffffffffffffffffffffff", "needs 64 hex digits, not 34" },
  { "repo@sha256:fff", "too short" },
  { "repo@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff00",
    "needs 64 hex digits, not 66" },
  { "repo@sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    "must be lower case" },
  { "repo@sha256:gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg",
    "'g' is not a hex digit" },
  { "validname@invaliddigest:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "unsupported digest algorithm 'invaliddigest'" },
  { "repo@sha384:"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "ff",
    "unsupported digest algorithm 'sha384'" },
  { "repo@" HEX64, "expected algorithm:hex" },
  { "repo@:" HEX64, "expected algorithm:hex" },
  { "repo@sha256:", "too short" },
  { "repo@sha256", "expected algorithm:hex" },
  { "repo@" SHA256_F "@" SHA256_F, "is not a hex digit" },
};

START_TEST (test_docker_reference_valid)
{
  const ValidCase *c = &valid_cases[_i];
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposDockerReference) ref = skopos_docker_reference_parse (c->input, &error);
  g_autofree char *string = NULL;
  g_autofree char *familiar = NULL;
  g_autofree char *name = NULL;
  g_autofree char *expected_name = NULL;

  ck_assert_msg (ref != NULL, "'%s' should parse: %s", c->input, error ? error->message : "");
  ck_assert_str_eq (skopos_docker_reference_get_domain (ref), c->domain);
  ck_assert_str_eq (skopos_docker_reference_get_path (ref), c->path);
  ck_assert_pstr_eq (skopos_docker_reference_get_tag (ref), c->tag);
  ck_assert_pstr_eq (skopos_docker_reference_get_digest (ref), c->digest);

  string = skopos_docker_reference_to_string (ref);
  ck_assert_str_eq (string, c->string);
  familiar = skopos_docker_reference_to_familiar_string (ref);
  ck_assert_str_eq (familiar, c->familiar);

  name = skopos_docker_reference_dup_name (ref);
  expected_name = g_strconcat (c->domain, "/", c->path, NULL);
  ck_assert_str_eq (name, expected_name);
  ck_assert_int_eq (skopos_docker_reference_is_name_only (ref),
                    c->tag == NULL && c->digest == NULL);
}
END_TEST

/* The normalised string is a fixed point: parsing it again gives the same reference. */
START_TEST (test_docker_reference_round_trip)
{
  const ValidCase *c = &valid_cases[_i];
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposDockerReference) ref = skopos_docker_reference_parse (c->string, &error);
  g_autoptr (SkoposDockerReference) again = NULL;
  g_autofree char *string = NULL;

  ck_assert_msg (ref != NULL, "'%s' should parse: %s", c->string, error ? error->message : "");
  string = skopos_docker_reference_to_string (ref);
  ck_assert_str_eq (string, c->string);

  /* The familiar form of "docker.io/library/<64 hex>" is refused as ambiguous, as docker
   * refuses it. */
  if (strcmp (c->familiar, HEX64) == 0)
    return;

  again = skopos_docker_reference_parse (c->familiar, &error);
  ck_assert_msg (again != NULL, "'%s' should parse: %s", c->familiar,
                 error ? error->message : "");
  g_free (string);
  string = skopos_docker_reference_to_string (again);
  ck_assert_str_eq (string, c->string);
}
END_TEST

START_TEST (test_docker_reference_invalid)
{
  const InvalidCase *c = &invalid_cases[_i];
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposDockerReference) ref = skopos_docker_reference_parse (c->input, &error);
  g_autofree char *prefix = NULL;

  ck_assert_msg (ref == NULL, "'%s' should be refused", c->input);
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (g_error_matches (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_REFERENCE),
                 "'%s': wrong error %s %d", c->input, g_quark_to_string (error->domain),
                 error->code);
  prefix = g_strdup_printf ("invalid reference '%s': ", c->input);
  ck_assert_msg (g_str_has_prefix (error->message, prefix), "'%s': message '%s' lacks '%s'",
                 c->input, error->message, prefix);
  ck_assert_msg (strstr (error->message, c->message) != NULL, "'%s': message '%s' lacks '%s'",
                 c->input, error->message, c->message);
}
END_TEST

START_TEST (test_docker_reference_error_message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposDockerReference) ref = skopos_docker_reference_parse ("Foo/Bar", &error);

  ck_assert_ptr_null (ref);
  ck_assert_str_eq (error->message,
                    "invalid reference 'Foo/Bar': repository name must be lowercase");

  /* A NULL error location is allowed. */
  ck_assert_ptr_null (skopos_docker_reference_parse ("Foo/Bar", NULL));
}
END_TEST

/* The limit counts the normalised name, domain and "library/" included. */
START_TEST (test_docker_reference_name_length)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposDockerReference) ref = NULL;
  g_autoptr (GString) text = g_string_new ("example.com/");
  g_autofree char *short_name = NULL;

  /* 12 + 243 = 255 characters: the longest name allowed. */
  for (int i = 0; i < 243; i++)
    g_string_append_c (text, 'a');
  ref = skopos_docker_reference_parse (text->str, &error);
  ck_assert_msg (ref != NULL, "%s", error ? error->message : "");
  g_clear_pointer (&ref, skopos_docker_reference_free);

  /* A tag does not count. */
  g_string_append (text, ":tag-puts-this-over-max");
  ref = skopos_docker_reference_parse (text->str, &error);
  ck_assert_msg (ref != NULL, "%s", error ? error->message : "");
  g_clear_pointer (&ref, skopos_docker_reference_free);

  g_string_truncate (text, 12 + 243);
  g_string_append_c (text, 'a');
  ref = skopos_docker_reference_parse (text->str, &error);
  ck_assert_ptr_null (ref);
  ck_assert_ptr_nonnull (strstr (error->message, "must not be more than 255 characters"));
  g_clear_error (&error);

  /* 247 characters become 255 with "docker.io/library/" (18): 265, refused. */
  short_name = g_strnfill (247, 'b');
  ref = skopos_docker_reference_parse (short_name, &error);
  ck_assert_ptr_null (ref);
  ck_assert_ptr_nonnull (strstr (error->message, "must not be more than 255 characters"));
  g_clear_error (&error);

  /* 237 + 18 = 255, accepted. */
  short_name[237] = '\0';
  ref = skopos_docker_reference_parse (short_name, &error);
  ck_assert_msg (ref != NULL, "%s", error ? error->message : "");
}
END_TEST

START_TEST (test_docker_reference_tag_length)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tag128 = g_strnfill (128, 't');
  g_autofree char *tag129 = g_strnfill (129, 't');
  g_autofree char *ok = g_strconcat ("foo:", tag128, NULL);
  g_autofree char *bad = g_strconcat ("foo:", tag129, NULL);
  g_autoptr (SkoposDockerReference) ref = skopos_docker_reference_parse (ok, &error);

  ck_assert_msg (ref != NULL, "%s", error ? error->message : "");
  ck_assert_ptr_null (skopos_docker_reference_parse (bad, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "invalid tag"));
}
END_TEST

typedef struct
{
  const char *tag;
  gboolean valid;
} TagCase;

static const TagCase tag_cases[] = {
  { "latest", TRUE },      { "1.0", TRUE },  { "_x", TRUE },    { "A-b_c.D", TRUE },
  { "0", TRUE },           { "", FALSE },    { ".x", FALSE },   { "-x", FALSE },
  { "a:b", FALSE },        { "a/b", FALSE }, { "a@b", FALSE },  { "a b", FALSE },
  { "tág", FALSE },        { "a\n", FALSE },
};

START_TEST (test_docker_tag_validate)
{
  const TagCase *c = &tag_cases[_i];
  g_autoptr (GError) error = NULL;
  gboolean ok = skopos_docker_tag_validate (c->tag, &error);

  ck_assert_msg (ok == c->valid, "tag '%s': expected %s", c->tag, c->valid ? "valid" : "invalid");
  if (c->valid)
    ck_assert_ptr_null (error);
  else
    {
      g_autofree char *quoted = g_strdup_printf ("invalid tag '%s'", c->tag);

      ck_assert (g_error_matches (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_REFERENCE));
      ck_assert_ptr_nonnull (strstr (error->message, quoted));
    }
}
END_TEST

START_TEST (test_docker_reference_with_tag)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposDockerReference) bare = skopos_docker_reference_parse ("quay.io/a/b", &error);
  g_autoptr (SkoposDockerReference) tagged = NULL;
  g_autoptr (SkoposDockerReference) retagged = NULL;
  g_autoptr (SkoposDockerReference) untagged = NULL;
  g_autoptr (SkoposDockerReference) digested = NULL;
  g_autoptr (SkoposDockerReference) digested_default = NULL;
  g_autoptr (SkoposDockerReference) both = NULL;
  g_autoptr (SkoposDockerReference) copy = NULL;
  g_autofree char *s = NULL;

  ck_assert_ptr_nonnull (bare);
  ck_assert (skopos_docker_reference_is_name_only (bare));

  tagged = skopos_docker_reference_with_default_tag (bare);
  ck_assert_str_eq (skopos_docker_reference_get_tag (tagged), "latest");
  ck_assert (!skopos_docker_reference_is_name_only (tagged));
  /* The original is untouched. */
  ck_assert_ptr_null (skopos_docker_reference_get_tag (bare));

  retagged = skopos_docker_reference_with_tag (tagged, "v2");
  s = skopos_docker_reference_to_string (retagged);
  ck_assert_str_eq (s, "quay.io/a/b:v2");
  g_clear_pointer (&s, g_free);

  untagged = skopos_docker_reference_with_tag (retagged, NULL);
  ck_assert (skopos_docker_reference_is_name_only (untagged));

  digested = skopos_docker_reference_parse ("quay.io/a/b@" SHA256_A, &error);
  ck_assert_ptr_nonnull (digested);
  /* A digest is enough: no "latest" is added. */
  digested_default = skopos_docker_reference_with_default_tag (digested);
  ck_assert_ptr_null (skopos_docker_reference_get_tag (digested_default));

  /* Replacing the tag keeps the digest. */
  both = skopos_docker_reference_with_tag (digested, "t");
  s = skopos_docker_reference_to_string (both);
  ck_assert_str_eq (s, "quay.io/a/b:t@" SHA256_A);

  copy = skopos_docker_reference_copy (both);
  ck_assert_str_eq (skopos_docker_reference_get_domain (copy), "quay.io");
  ck_assert_str_eq (skopos_docker_reference_get_path (copy), "a/b");
  ck_assert_str_eq (skopos_docker_reference_get_tag (copy), "t");
  ck_assert_str_eq (skopos_docker_reference_get_digest (copy), SHA256_A);
  ck_assert_ptr_ne (skopos_docker_reference_get_path (copy),
                    skopos_docker_reference_get_path (both));

  skopos_docker_reference_free (NULL);
}
END_TEST

static Suite *
docker_reference_suite (void)
{
  Suite *s = suite_create ("DockerReference");
  TCase *tc;

  tc = tcase_create ("valid");
  tcase_add_loop_test (tc, test_docker_reference_valid, 0, G_N_ELEMENTS (valid_cases));
  tcase_add_loop_test (tc, test_docker_reference_round_trip, 0, G_N_ELEMENTS (valid_cases));
  suite_add_tcase (s, tc);

  tc = tcase_create ("invalid");
  tcase_add_loop_test (tc, test_docker_reference_invalid, 0, G_N_ELEMENTS (invalid_cases));
  tcase_add_test (tc, test_docker_reference_error_message);
  tcase_add_test (tc, test_docker_reference_name_length);
  tcase_add_test (tc, test_docker_reference_tag_length);
  suite_add_tcase (s, tc);

  tc = tcase_create ("tags");
  tcase_add_loop_test (tc, test_docker_tag_validate, 0, G_N_ELEMENTS (tag_cases));
  tcase_add_test (tc, test_docker_reference_with_tag);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (docker_reference_suite ());
  int failed;

  srunner_run_all (runner, CK_ENV);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
