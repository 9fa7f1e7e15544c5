/* test-auth.c: credential lookup and storage (core/skopos-auth.c).
 *
 * Every test runs in its own forked process with HOME, XDG_RUNTIME_DIR and the other
 * variables pointing into a fresh temporary folder, so the machine's own files are
 * never read or written. Credential helpers are small shell scripts put first in PATH.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <check.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <skopos/skopos.h>

#include "skopos-check.h"

static char *tmp;

static char *
tmp_path (const char *rel)
{
  return g_build_filename (tmp, rel, NULL);
}

static void
write_file (const char *rel, const char *contents)
{
  g_autofree char *path = tmp_path (rel);
  g_autofree char *dir = g_path_get_dirname (path);
  ck_assert_int_eq (g_mkdir_with_parents (dir, 0700), 0);
  ck_assert (g_file_set_contents (path, contents, -1, NULL));
}

static char *
read_file (const char *rel)
{
  g_autofree char *path = tmp_path (rel);
  char *contents = NULL;
  ck_assert_msg (g_file_get_contents (path, &contents, NULL, NULL), "cannot read %s", path);
  return contents;
}

static char *
b64 (const char *s)
{
  return g_base64_encode ((const guchar *) s, strlen (s));
}

/* An auth.json with one entry per (key, user:password) pair. */
static char *
auth_json (const char *key1, const char *pair1, const char *key2, const char *pair2)
{
  g_autofree char *a1 = b64 (pair1);
  if (key2 == NULL)
    return g_strdup_printf ("{\"auths\": {\"%s\": {\"auth\": \"%s\"}}}", key1, a1);
  g_autofree char *a2 = b64 (pair2);
  return g_strdup_printf ("{\"auths\": {\"%s\": {\"auth\": \"%s\"}, \"%s\": {\"auth\": \"%s\"}}}",
                          key1, a1, key2, a2);
}

static void
setup (void)
{
  tmp = g_dir_make_tmp ("skopos-test-auth-XXXXXX", NULL);
  ck_assert_ptr_nonnull (tmp);
  g_autofree char *home = tmp_path ("home");
  g_autofree char *run = tmp_path ("run");
  g_autofree char *bin = tmp_path ("bin");
  g_mkdir_with_parents (home, 0700);
  g_mkdir_with_parents (run, 0700);
  g_mkdir_with_parents (bin, 0700);
  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", run, TRUE);
  g_unsetenv ("XDG_CONFIG_HOME");
  g_unsetenv ("DOCKER_CONFIG");
  g_unsetenv ("REGISTRY_AUTH_FILE");
  g_autofree char *path = g_strdup_printf ("%s:/usr/bin:/bin", bin);
  g_setenv ("PATH", path, TRUE);

  /* registries.conf names the credential helpers; the machine's must not count. */
  g_autofree char *conf = tmp_path ("registries.conf");
  ck_assert (g_file_set_contents (conf, "", -1, NULL));
  g_setenv ("CONTAINERS_REGISTRIES_CONF", conf, TRUE);
}

static void
teardown (void)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
  ck_assert_int_eq (system (cmd), 0);
  g_clear_pointer (&tmp, g_free);
}

/* Looks @key up and checks the user and password found (NULL user: none found). */
static void
expect_creds (SkoposContext *ctx, const char *key, const char *user, const char *password)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposCredentials) creds = NULL;
  ck_assert_msg (skopos_auth_lookup (ctx, key, &creds, NULL, &error), "lookup of %s: %s", key,
                 error ? error->message : "");
  if (user == NULL)
    {
      ck_assert_msg (creds == NULL, "expected no credentials for %s, got user %s", key,
                     creds->username);
      return;
    }
  ck_assert_msg (creds != NULL, "expected credentials for %s", key);
  ck_assert_str_eq (creds->username, user);
  ck_assert_str_eq (creds->password, password);
}

/* ---- Parsing and keys -------------------------------------------------------------- */

START_TEST (test_auth_parse_password_with_colons)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposCredentials) creds = skopos_credentials_parse ("alice:pa:ss:", &error);
  ck_assert_ptr_nonnull (creds);
  ck_assert_str_eq (creds->username, "alice");
  ck_assert_str_eq (creds->password, "pa:ss:");

  g_autoptr (SkoposCredentials) no_pw = skopos_credentials_parse ("bob", &error);
  ck_assert_str_eq (no_pw->username, "bob");
  ck_assert_str_eq (no_pw->password, "");

  ck_assert_ptr_null (skopos_credentials_parse (":secret", &error));
  ck_assert (g_error_matches (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_ARGUMENT));
  ck_assert_ptr_null (strstr (error->message, "secret"));
  g_clear_error (&error);
  ck_assert_ptr_null (skopos_credentials_parse ("", &error));
}
END_TEST

START_TEST (test_auth_validate_key)
{
  gboolean ns = TRUE;
  ck_assert (skopos_auth_validate_key ("localhost:5000", &ns, NULL));
  ck_assert (!ns);
  ck_assert (skopos_auth_validate_key ("localhost:5000/ns/repo", &ns, NULL));
  ck_assert (ns);

  const char *bad[] = { "https://quay.io", "http://x", "quay.io/a@sha256:00", "quay.io/a:tag",
                        "", "quay.io/", "/x", "quay.io//a", NULL };
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      ck_assert_msg (!skopos_auth_validate_key (bad[i], NULL, &error), "accepted '%s'", bad[i]);
      ck_assert (g_error_matches (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_ARGUMENT));
    }
}
END_TEST

/* ---- Search path ------------------------------------------------------------------- */

START_TEST (test_auth_search_path_default_order)
{
  g_auto (GStrv) paths = skopos_auth_dup_search_path (NULL);
  ck_assert_uint_eq (g_strv_length (paths), 4);
  g_autofree char *p0 = tmp_path ("run/containers/auth.json");
  g_autofree char *p1 = tmp_path ("home/.config/containers/auth.json");
  g_autofree char *p2 = tmp_path ("home/.docker/config.json");
  g_autofree char *p3 = tmp_path ("home/.dockercfg");
  ck_assert_str_eq (paths[0], p0);
  ck_assert_str_eq (paths[1], p1);
  ck_assert_str_eq (paths[2], p2);
  ck_assert_str_eq (paths[3], p3);

  g_autofree char *write = skopos_auth_dup_write_path (NULL, NULL);
  ck_assert_str_eq (write, p0);
}
END_TEST

START_TEST (test_auth_search_path_user_file_only)
{
  g_autofree char *env_file = tmp_path ("env.json");
  g_setenv ("REGISTRY_AUTH_FILE", env_file, TRUE);
  g_auto (GStrv) paths = skopos_auth_dup_search_path (NULL);
  ck_assert_uint_eq (g_strv_length (paths), 1);
  ck_assert_str_eq (paths[0], env_file);

  /* --authfile wins over the variable. */
  g_autoptr (SkoposContext) ctx = skopos_context_new ();
  g_autofree char *flag_file = tmp_path ("flag.json");
  skopos_context_set_string (ctx, SKOPOS_CONTEXT_AUTHFILE, flag_file);
  g_auto (GStrv) paths2 = skopos_auth_dup_search_path (ctx);
  ck_assert_uint_eq (g_strv_length (paths2), 1);
  ck_assert_str_eq (paths2[0], flag_file);
  g_autofree char *write = skopos_auth_dup_write_path (ctx, NULL);
  ck_assert_str_eq (write, flag_file);
}
END_TEST

START_TEST (test_auth_missing_runtime_dir)
{
  g_autofree char *missing = tmp_path ("no-such-dir");
  g_setenv ("XDG_RUNTIME_DIR", missing, TRUE);
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (skopos_auth_dup_write_path (NULL, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "XDG_RUNTIME_DIR"));
}
END_TEST

/* ---- Lookup ------------------------------------------------------------------------ */

START_TEST (test_auth_lookup_namespace_wins)
{
  g_autofree char *json = auth_json ("reg.example:5000", "hostuser:hostpw",
                                     "reg.example:5000/team/app", "nsuser:nspw");
  write_file ("run/containers/auth.json", json);

  expect_creds (NULL, "reg.example:5000/team/app", "nsuser", "nspw");
  expect_creds (NULL, "reg.example:5000/team/app/sub", "nsuser", "nspw");
  expect_creds (NULL, "reg.example:5000/team/other", "hostuser", "hostpw");
  expect_creds (NULL, "reg.example:5000/teamx/app", "hostuser", "hostpw");
  expect_creds (NULL, "reg.example:5000", "hostuser", "hostpw");
  expect_creds (NULL, "other.example", NULL, NULL);
}
END_TEST

START_TEST (test_auth_lookup_url_keys)
{
  g_autofree char *json = auth_json ("https://a.example/v2/", "ua:pa", "http://b.example:8080",
                                     "ub:pb");
  write_file ("home/.docker/config.json", json);
  expect_creds (NULL, "a.example/x/y", "ua", "pa");
  expect_creds (NULL, "b.example:8080", "ub", "pb");
  expect_creds (NULL, "b.example", NULL, NULL);

  /* docker.io is stored under its v1 URL by docker login. */
  g_autofree char *hub = auth_json ("https://index.docker.io/v1/", "hub:hubpw", NULL, NULL);
  write_file ("home/.config/containers/auth.json", hub);
  expect_creds (NULL, "docker.io/library/busybox", "hub", "hubpw");
}
END_TEST

START_TEST (test_auth_lookup_file_order)
{
  g_autofree char *legacy = g_strdup_printf ("{\"https://reg.example/v1/\": {\"auth\": \"%s\", "
                                             "\"email\": \"x@y\"}}",
                                             b64 ("legacy:l"));
  write_file ("home/.dockercfg", legacy);
  expect_creds (NULL, "reg.example/a", "legacy", "l");

  g_autofree char *docker = auth_json ("reg.example", "docker:d", NULL, NULL);
  write_file ("home/.docker/config.json", docker);
  expect_creds (NULL, "reg.example/a", "docker", "d");

  g_autofree char *config = auth_json ("reg.example", "config:c", NULL, NULL);
  write_file ("home/.config/containers/auth.json", config);
  expect_creds (NULL, "reg.example/a", "config", "c");

  g_autofree char *runtime = auth_json ("reg.example", "runtime:r", NULL, NULL);
  write_file ("run/containers/auth.json", runtime);
  expect_creds (NULL, "reg.example/a", "runtime", "r");

  /* A user-chosen file hides all of them. */
  g_autofree char *user = auth_json ("other.example", "u:u", NULL, NULL);
  write_file ("user.json", user);
  g_autofree char *user_path = tmp_path ("user.json");
  g_setenv ("REGISTRY_AUTH_FILE", user_path, TRUE);
  expect_creds (NULL, "reg.example/a", NULL, NULL);
  expect_creds (NULL, "other.example/a", "u", "u");
}
END_TEST

START_TEST (test_auth_lookup_context_overrides)
{
  g_autofree char *json = auth_json ("reg.example", "file:f", NULL, NULL);
  write_file ("run/containers/auth.json", json);

  g_autoptr (SkoposContext) ctx = skopos_context_new ();
  skopos_context_set_string (ctx, SKOPOS_CONTEXT_CREDS, "flag:pw:with:colons");
  expect_creds (ctx, "reg.example/a", "flag", "pw:with:colons");

  g_autoptr (SkoposContext) ctx2 = skopos_context_new ();
  skopos_context_set_string (ctx2, SKOPOS_CONTEXT_USERNAME, "u2");
  skopos_context_set_string (ctx2, SKOPOS_CONTEXT_PASSWORD, "p2");
  expect_creds (ctx2, "reg.example/a", "u2", "p2");

  g_autoptr (SkoposContext) ctx3 = skopos_context_new ();
  skopos_context_set_boolean (ctx3, SKOPOS_CONTEXT_NO_CREDS, TRUE);
  expect_creds (ctx3, "reg.example/a", NULL, NULL);

  g_autoptr (SkoposContext) ctx4 = skopos_context_new ();
  skopos_context_set_string (ctx4, SKOPOS_CONTEXT_PASSWORD, "orphan");
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposCredentials) creds = NULL;
  ck_assert (!skopos_auth_lookup (ctx4, "reg.example", &creds, NULL, &error));
  ck_assert_ptr_null (strstr (error->message, "orphan"));
}
END_TEST

START_TEST (test_auth_lookup_identity_token)
{
  g_autofree char *json = g_strdup_printf ("{\"auths\": {\"reg.example\": {\"auth\": \"%s\", "
                                           "\"identitytoken\": \"refresh-123\"}}}",
                                           b64 ("u:"));
  write_file ("run/containers/auth.json", json);
  g_autoptr (SkoposCredentials) creds = NULL;
  ck_assert (skopos_auth_lookup (NULL, "reg.example/x", &creds, NULL, NULL));
  ck_assert_ptr_nonnull (creds);
  ck_assert_str_eq (creds->identity_token, "refresh-123");
}
END_TEST

START_TEST (test_auth_lookup_malformed_file)
{
  write_file ("run/containers/auth.json", "{\"auths\": {\"reg.example\": {\"auth\": \"c2VjcmV0");
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposCredentials) creds = NULL;
  ck_assert (!skopos_auth_lookup (NULL, "reg.example", &creds, NULL, &error));
  ck_assert (g_error_matches (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA));
  ck_assert_ptr_nonnull (strstr (error->message, "auth.json"));
  ck_assert_ptr_null (strstr (error->message, "c2VjcmV0"));
  g_clear_error (&error);

  write_file ("run/containers/auth.json", "[1, 2]");
  ck_assert (!skopos_auth_lookup (NULL, "reg.example", &creds, NULL, &error));
  g_clear_error (&error);

  write_file ("run/containers/auth.json", "{\"auths\": [\"x\"]}");
  ck_assert (!skopos_auth_lookup (NULL, "reg.example", &creds, NULL, &error));
  g_clear_error (&error);

  /* An entry without a colon in its "auth" gives nothing, without failing. */
  g_autofree char *no_colon = g_strdup_printf ("{\"auths\": {\"reg.example\": {\"auth\": \"%s\"}}}",
                                               b64 ("nocolon"));
  write_file ("run/containers/auth.json", no_colon);
  expect_creds (NULL, "reg.example", NULL, NULL);
}
END_TEST

/* ---- Credential helpers ------------------------------------------------------------ */

/* A fake docker-credential-NAME that keeps one secret per registry in a folder. */
static void
install_helper (const char *name)
{
  g_autofree char *store = tmp_path ("helper-store");
  g_mkdir_with_parents (store, 0700);
  g_autofree char *script = g_strdup_printf (
      "#!/bin/sh\n"
      "store='%s'\n"
      "echo \"$1\" >> \"$store/calls\"\n"
      "case \"$1\" in\n"
      "get) read -r server || true\n"
      "  f=\"$store/$(printf %%s \"$server\" | tr '/:' '__')\"\n"
      "  if [ -f \"$f\" ]; then cat \"$f\"; else echo 'credentials not found in native keychain'; "
      "exit 1; fi ;;\n"
      "store) cat > \"$store/last-store\"\n"
      "  server=$(sed -n 's/.*\"ServerURL\":\"\\([^\"]*\\)\".*/\\1/p' \"$store/last-store\")\n"
      "  cp \"$store/last-store\" \"$store/$(printf %%s \"$server\" | tr '/:' '__')\" ;;\n"
      "erase) read -r server || true\n"
      "  f=\"$store/$(printf %%s \"$server\" | tr '/:' '__')\"\n"
      "  if [ -f \"$f\" ]; then rm \"$f\"; else echo 'credentials not found in native keychain'; "
      "exit 1; fi ;;\n"
      "*) exit 3 ;;\n"
      "esac\n",
      store);
  g_autofree char *rel = g_strdup_printf ("bin/docker-credential-%s", name);
  write_file (rel, script);
  g_autofree char *path = tmp_path (rel);
  ck_assert_int_eq (g_chmod (path, 0755), 0);
}

START_TEST (test_auth_cred_helpers)
{
  install_helper ("fake");
  write_file ("helper-store/helper.example",
              "{\"ServerURL\":\"helper.example\",\"Username\":\"hu\",\"Secret\":\"hs:x\"}");
  write_file ("helper-store/token.example",
              "{\"ServerURL\":\"token.example\",\"Username\":\"<token>\",\"Secret\":\"idt\"}");
  g_autofree char *a = b64 ("fileuser:filepw");
  g_autofree char *json = g_strdup_printf (
      "{\"auths\": {\"helper.example\": {\"auth\": \"%s\"}, \"missing.example\": {}},"
      " \"credHelpers\": {\"helper.example\": \"fake\", \"token.example\": \"fake\","
      " \"missing.example\": \"fake\", \"broken.example\": \"absent\"}}",
      a);
  write_file ("home/.docker/config.json", json);

  expect_creds (NULL, "helper.example/ns/repo", "hu", "hs:x");
  expect_creds (NULL, "missing.example", NULL, NULL);

  g_autoptr (SkoposCredentials) creds = NULL;
  ck_assert (skopos_auth_lookup (NULL, "token.example", &creds, NULL, NULL));
  ck_assert_str_eq (creds->identity_token, "idt");

  /* A helper that is not installed is an error, not silence. */
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposCredentials) none = NULL;
  ck_assert (!skopos_auth_lookup (NULL, "broken.example", &none, NULL, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "docker-credential-absent"));
}
END_TEST

START_TEST (test_auth_creds_store)
{
  install_helper ("store");
  write_file ("helper-store/store.example",
              "{\"ServerURL\":\"store.example\",\"Username\":\"su\",\"Secret\":\"ss\"}");
  g_autofree char *a = b64 ("fu:fp");
  g_autofree char *json = g_strdup_printf (
      "{\"auths\": {\"file.example\": {\"auth\": \"%s\"}}, \"credsStore\": \"store\"}", a);
  write_file ("home/.docker/config.json", json);

  expect_creds (NULL, "store.example/x", "su", "ss");
  /* Not in the store: the file's own entry. */
  expect_creds (NULL, "file.example/x", "fu", "fp");

  /* A credsStore whose helper is gone (Docker Desktop's, left behind) holds nothing:
   * anonymous access goes on, and the file's own entries still count. */
  g_autofree char *gone = g_strdup_printf (
      "{\"auths\": {\"file.example\": {\"auth\": \"%s\"}}, \"credsStore\": \"gone\"}", a);
  write_file ("home/.docker/config.json", gone);
  expect_creds (NULL, "anon.example/x", NULL, NULL);
  expect_creds (NULL, "file.example/x", "fu", "fp");
}
END_TEST

START_TEST (test_auth_store_through_helper)
{
  install_helper ("fake");
  write_file ("run/containers/auth.json",
              "{\"auths\": {}, \"credHelpers\": {\"helper.example\": \"fake\"}}");
  g_autofree char *where = NULL;
  g_autoptr (GError) error = NULL;
  ck_assert_msg (skopos_auth_store (NULL, "helper.example", "hu", "hp", &where, &error), "%s",
                 error ? error->message : "");
  ck_assert_ptr_nonnull (strstr (where, "fake"));
  expect_creds (NULL, "helper.example", "hu", "hp");

  /* The file itself got no secret. */
  g_autofree char *text = read_file ("run/containers/auth.json");
  ck_assert_ptr_null (strstr (text, "aHU6aHA="));

  ck_assert (!skopos_auth_store (NULL, "helper.example/ns", "hu", "hp", NULL, &error));
  g_clear_error (&error);

  ck_assert (skopos_auth_remove (NULL, "helper.example", &error));
  expect_creds (NULL, "helper.example", NULL, NULL);
}
END_TEST

START_TEST (test_auth_registries_conf_helpers)
{
  install_helper ("fake");
  write_file ("helper-store/conf.example",
              "{\"ServerURL\":\"conf.example\",\"Username\":\"cu\",\"Secret\":\"cs\"}");
  g_autofree char *a = b64 ("fileuser:filepw");
  g_autofree char *json = g_strdup_printf ("{\"auths\": {\"conf.example\": {\"auth\": \"%s\"}, "
                                           "\"file.example\": {\"auth\": \"%s\"}}}",
                                           a, a);
  write_file ("run/containers/auth.json", json);

  /* The files first, then the helper. */
  write_file ("registries.conf", "credential-helpers = [\"containers-auth.json\", \"fake\"]\n");
  expect_creds (NULL, "conf.example/x", "fileuser", "filepw");

  /* The helper first; what it lacks comes from the files. */
  write_file ("registries.conf", "credential-helpers = [\"fake\", \"containers-auth.json\"]\n");
  expect_creds (NULL, "conf.example/x", "cu", "cs");
  expect_creds (NULL, "file.example/x", "fileuser", "filepw");

  /* Only the helper: the files are not read, and logins go to the helper. */
  write_file ("registries.conf", "credential-helpers = [\"fake\"]\n");
  expect_creds (NULL, "file.example/x", NULL, NULL);
  g_autofree char *where = NULL;
  g_autoptr (GError) error = NULL;
  ck_assert_msg (skopos_auth_store (NULL, "new.example", "nu", "np", &where, &error), "%s",
                 error ? error->message : "");
  ck_assert_str_eq (where, "credential helper: fake");
  expect_creds (NULL, "new.example", "nu", "np");
  ck_assert (!skopos_auth_store (NULL, "new.example/ns", "nu", "np", NULL, &error));
  g_clear_error (&error);
  ck_assert (skopos_auth_remove (NULL, "new.example", &error));
  expect_creds (NULL, "new.example", NULL, NULL);
  ck_assert (!skopos_auth_remove (NULL, "new.example", &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A helper that is not installed fails the lookup when nothing else answers. */
  write_file ("registries.conf", "credential-helpers = [\"absent\"]\n");
  g_autoptr (SkoposCredentials) creds = NULL;
  ck_assert (!skopos_auth_lookup (NULL, "conf.example", &creds, NULL, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "docker-credential-absent"));
  g_clear_error (&error);

  /* A malformed registries.conf is reported, not skipped. */
  write_file ("registries.conf", "credential-helpers = [\n");
  ck_assert (!skopos_auth_lookup (NULL, "conf.example", &creds, NULL, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "registries.conf"));
}
END_TEST

/* ---- Writing ----------------------------------------------------------------------- */

START_TEST (test_auth_store_podman_format)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *where = NULL;
  ck_assert (skopos_auth_store (NULL, "localhost:5000", "user", "pass", &where, &error));
  g_autofree char *expected_path = tmp_path ("run/containers/auth.json");
  ck_assert_str_eq (where, expected_path);

  g_autofree char *text = read_file ("run/containers/auth.json");
  ck_assert_str_eq (text, "{\n"
                          "\t\"auths\": {\n"
                          "\t\t\"localhost:5000\": {\n"
                          "\t\t\t\"auth\": \"dXNlcjpwYXNz\"\n"
                          "\t\t}\n"
                          "\t}\n"
                          "}");

  GStatBuf st;
  ck_assert_int_eq (g_stat (expected_path, &st), 0);
  ck_assert_int_eq (st.st_mode & 0777, 0600);

  /* A second key sorts; a namespaced key is fine in a file. */
  ck_assert (skopos_auth_store (NULL, "a.example/ns", "u2", "p:2", NULL, &error));
  g_autofree char *text2 = read_file ("run/containers/auth.json");
  ck_assert_ptr_nonnull (strstr (text2, "\t\t\"a.example/ns\": {\n"));
  ck_assert (strstr (text2, "a.example/ns") < strstr (text2, "localhost:5000"));
  expect_creds (NULL, "a.example/ns/app", "u2", "p:2");
  expect_creds (NULL, "localhost:5000/x", "user", "pass");
}
END_TEST

START_TEST (test_auth_store_keeps_unknown_members)
{
  write_file ("run/containers/auth.json",
              "{\"auths\": {\"old.example\": {\"auth\": \"b2xkOm9sZA==\", \"email\": \"e@x\"}},"
              " \"psFormat\": \"table\", \"credHelpers\": {}, \"html\": \"<&>\"}");
  ck_assert (skopos_auth_store (NULL, "new.example", "n", "n", NULL, NULL));
  g_autofree char *text = read_file ("run/containers/auth.json");
  ck_assert_ptr_nonnull (strstr (text, "\"psFormat\": \"table\""));
  ck_assert_ptr_nonnull (strstr (text, "\"email\": \"e@x\""));
  ck_assert_ptr_nonnull (strstr (text, "\"html\": \"\\u003c\\u0026\\u003e\""));
  ck_assert_ptr_null (strstr (text, "credHelpers"));
  expect_creds (NULL, "old.example", "old", "old");
  expect_creds (NULL, "new.example", "n", "n");
}
END_TEST

START_TEST (test_auth_remove)
{
  ck_assert (skopos_auth_store (NULL, "a.example", "a", "a", NULL, NULL));
  ck_assert (skopos_auth_store (NULL, "b.example", "b", "b", NULL, NULL));

  g_autoptr (GError) error = NULL;
  ck_assert (skopos_auth_remove (NULL, "a.example", &error));
  expect_creds (NULL, "a.example", NULL, NULL);
  expect_creds (NULL, "b.example", "b", "b");

  ck_assert (!skopos_auth_remove (NULL, "a.example", &error));
  ck_assert (g_error_matches (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_FOUND));
  g_clear_error (&error);

  ck_assert (skopos_auth_remove_all (NULL, &error));
  expect_creds (NULL, "b.example", NULL, NULL);
  g_autofree char *text = read_file ("run/containers/auth.json");
  ck_assert_str_eq (text, "{\n\t\"auths\": {}\n}");
}
END_TEST

START_TEST (test_auth_store_refuses_bad_input)
{
  g_autoptr (GError) error = NULL;
  ck_assert (!skopos_auth_store (NULL, "https://x.example", "u", "p", NULL, &error));
  g_clear_error (&error);
  ck_assert (!skopos_auth_store (NULL, "x.example", "", "p", NULL, &error));
  g_clear_error (&error);
  ck_assert (!skopos_auth_store (NULL, "x.example", "a:b", "p", NULL, &error));
  g_clear_error (&error);

  /* A file that does not parse is not overwritten. */
  write_file ("run/containers/auth.json", "not json");
  ck_assert (!skopos_auth_store (NULL, "x.example", "u", "p", NULL, &error));
  g_autofree char *text = read_file ("run/containers/auth.json");
  ck_assert_str_eq (text, "not json");
}
END_TEST

static Suite *
auth_suite (void)
{
  Suite *s = suite_create ("Auth");

  TCase *tc = tcase_create ("parse");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_auth_parse_password_with_colons);
  tcase_add_test (tc, test_auth_validate_key);
  suite_add_tcase (s, tc);

  tc = tcase_create ("paths");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_auth_search_path_default_order);
  tcase_add_test (tc, test_auth_search_path_user_file_only);
  tcase_add_test (tc, test_auth_missing_runtime_dir);
  suite_add_tcase (s, tc);

  tc = tcase_create ("lookup");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_auth_lookup_namespace_wins);
  tcase_add_test (tc, test_auth_lookup_url_keys);
  tcase_add_test (tc, test_auth_lookup_file_order);
  tcase_add_test (tc, test_auth_lookup_context_overrides);
  tcase_add_test (tc, test_auth_lookup_identity_token);
  tcase_add_test (tc, test_auth_lookup_malformed_file);
  suite_add_tcase (s, tc);

  tc = tcase_create ("helpers");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_auth_cred_helpers);
  tcase_add_test (tc, test_auth_creds_store);
  tcase_add_test (tc, test_auth_store_through_helper);
  tcase_add_test (tc, test_auth_registries_conf_helpers);
  suite_add_tcase (s, tc);

  tc = tcase_create ("write");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_auth_store_podman_format);
  tcase_add_test (tc, test_auth_store_keeps_unknown_members);
  tcase_add_test (tc, test_auth_remove);
  tcase_add_test (tc, test_auth_store_refuses_bad_input);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (auth_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
