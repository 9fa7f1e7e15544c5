/* test-registries-conf.c: registries.conf (core/skopos-registries-conf.c): matching,
 * rewriting, mirrors and pull-from-mirror, blocked and insecure registries in both
 * formats, drop-ins, the files read, and errors for malformed files.
 *
 * Each test runs in its own process with HOME and CONTAINERS_REGISTRIES_CONF pointing
 * into a temporary folder.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include <skopos/skopos-transport-plugin.h>

#include "skopos-check.h"

static char *tmp;

static void
setup (void)
{
  tmp = skopos_check_make_tmpdir ();
  g_autofree char *home = g_build_filename (tmp, "home", NULL);
  g_mkdir_with_parents (home, 0700);
  g_setenv ("HOME", home, TRUE);
  g_unsetenv ("CONTAINERS_REGISTRIES_CONF");
}

static void
teardown (void)
{
  ck_assert (skopos_rm_rf (tmp, NULL));
  g_clear_pointer (&tmp, g_free);
}

static void
write_file (const char *rel, const char *text)
{
  g_autofree char *path = g_build_filename (tmp, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_mkdir_with_parents (dir, 0700);
  ck_assert (g_file_set_contents (path, text, -1, NULL));
}

static SkoposRegistriesConf *
parse (const char *text)
{
  g_autoptr (GError) error = NULL;
  SkoposRegistriesConf *conf = skopos_registries_conf_parse (text, "registries.conf", &error);
  skopos_assert_no_error (error);
  return conf;
}

static void
expect_parse_error (const char *text, const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposRegistriesConf) conf = skopos_registries_conf_parse (text, "registries.conf",
                                                                        &error);
  ck_assert_msg (conf == NULL, "accepted: %s", text);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);
  ck_assert_msg (strstr (error->message, "registries.conf") != NULL, "no file in '%s'",
                 error->message);
  ck_assert_msg (strstr (error->message, what) != NULL, "'%s' lacks '%s'", error->message, what);
}

/* The pull sources for @ref as "reference[ insecure][ mirror]" joined by ", ". */
static char *
sources (SkoposRegistriesConf *conf, const char *ref)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = skopos_registries_conf_pull_sources (conf, ref, &error);
  if (list == NULL)
    return g_strdup_printf ("error: %s", error->message);
  g_autoptr (GString) out = g_string_new (NULL);
  for (guint i = 0; i < list->len; i++)
    {
      SkoposPullSource *ps = list->pdata[i];
      if (i > 0)
        g_string_append (out, ", ");
      g_string_append (out, ps->reference);
      if (ps->insecure)
        g_string_append (out, " insecure");
      if (ps->is_mirror)
        g_string_append (out, " mirror");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
expect_sources (SkoposRegistriesConf *conf, const char *ref, const char *want)
{
  g_autofree char *got = sources (conf, ref);
  ck_assert_str_eq (got, want);
}

/* ---- Matching and rewriting ---------------------------------------------------------- */

START_TEST (test_registries_conf_prefix_rewrite)
{
  g_autoptr (SkoposRegistriesConf) conf = parse (
      "[[registry]]\n"
      "prefix = \"example.com/foo\"\n"
      "location = \"internal.example.com/bar\"\n"
      "[[registry]]\n"
      "prefix = \"example.com/foo/deeper\"\n"
      "location = \"deep.example.com\"\n"
      "insecure = true\n"
      "[[registry]]\n"
      "location = \"plain.example:5000/\"\n");

  expect_sources (conf, "example.com/foo/app:1", "internal.example.com/bar/app:1");
  expect_sources (conf, "example.com/foo:1", "internal.example.com/bar:1");
  expect_sources (conf, "example.com/foo@sha256:00", "internal.example.com/bar@sha256:00");
  /* The longest prefix wins. */
  expect_sources (conf, "example.com/foo/deeper/x:1", "deep.example.com/x:1 insecure");
  /* A prefix matches whole components only. */
  expect_sources (conf, "example.com/foobar/app:1", "example.com/foobar/app:1");
  /* A trailing slash in a location does not count. */
  expect_sources (conf, "plain.example:5000/a/b:2", "plain.example:5000/a/b:2");
  expect_sources (conf, "other.example/x:1", "other.example/x:1");
}
END_TEST

START_TEST (test_registries_conf_wildcard)
{
  g_autoptr (SkoposRegistriesConf) conf = parse ("[[registry]]\n"
                                                 "prefix = \"*.example.com\"\n"
                                                 "insecure = true\n");
  expect_sources (conf, "a.example.com/x:1", "a.example.com/x:1 insecure");
  expect_sources (conf, "b.a.example.com:5000/x:1", "b.a.example.com:5000/x:1 insecure");
  expect_sources (conf, "example.com/x:1", "example.com/x:1");
  expect_sources (conf, "evil.com/a.example.com/x:1", "evil.com/a.example.com/x:1");

  gboolean insecure = FALSE;
  ck_assert (skopos_registries_conf_check_registry (conf, "q.example.com", &insecure, NULL));
  ck_assert (insecure);

  expect_parse_error ("[[registry]]\nprefix = \"*.example.com/ns\"\n", "wildcard");
}
END_TEST

/* ---- Mirrors ------------------------------------------------------------------------- */

START_TEST (test_registries_conf_mirrors)
{
  g_autoptr (SkoposRegistriesConf) conf = parse (
      "[[registry]]\n"
      "prefix = \"docker.io/library\"\n"
      "location = \"docker.io/library\"\n"
      "[[registry.mirror]]\n"
      "location = \"mirror.example/lib\"\n"
      "insecure = true\n"
      "[[registry.mirror]]\n"
      "location = \"digests.example\"\n"
      "pull-from-mirror = \"digest-only\"\n"
      "[[registry.mirror]]\n"
      "location = \"tags.example\"\n"
      "pull-from-mirror = \"tag-only\"\n");

  expect_sources (conf, "docker.io/library/busybox:latest",
                  "mirror.example/lib/busybox:latest insecure mirror, "
                  "tags.example/busybox:latest mirror, docker.io/library/busybox:latest");
  expect_sources (conf, "docker.io/library/busybox@sha256:ab",
                  "mirror.example/lib/busybox@sha256:ab insecure mirror, "
                  "digests.example/busybox@sha256:ab mirror, docker.io/library/busybox@sha256:ab");
}
END_TEST

START_TEST (test_registries_conf_mirror_by_digest_only)
{
  g_autoptr (SkoposRegistriesConf) conf = parse ("[[registry]]\n"
                                                 "location = \"reg.example\"\n"
                                                 "mirror-by-digest-only = true\n"
                                                 "mirror = [ { location = \"m.example\" } ]\n");
  expect_sources (conf, "reg.example/a:1", "reg.example/a:1");
  expect_sources (conf, "reg.example/a@sha256:1",
                  "m.example/a@sha256:1 mirror, reg.example/a@sha256:1");

  expect_parse_error ("[[registry]]\nlocation = \"r\"\nmirror-by-digest-only = true\n"
                      "[[registry.mirror]]\nlocation = \"m\"\npull-from-mirror = \"all\"\n",
                      "at the same time");
  expect_parse_error ("[[registry]]\nlocation = \"r\"\n[[registry.mirror]]\nlocation = \"m\"\n"
                      "pull-from-mirror = \"sometimes\"\n",
                      "sometimes");
  expect_parse_error ("[[registry]]\nlocation = \"r\"\npull-from-mirror = \"all\"\n",
                      "non-mirror");
  expect_parse_error ("[[registry]]\nlocation = \"r\"\n[[registry.mirror]]\ninsecure = true\n",
                      "location is unset");
}
END_TEST

/* ---- Blocked and insecure ------------------------------------------------------------ */

START_TEST (test_registries_conf_blocked_insecure_v2)
{
  g_autoptr (SkoposRegistriesConf) conf = parse ("[[registry]]\n"
                                                 "location = \"blocked.example\"\n"
                                                 "blocked = true\n"
                                                 "[[registry]]\n"
                                                 "location = \"insecure.example:5000\"\n"
                                                 "insecure = true\n");
  g_autoptr (GError) error = NULL;
  gboolean insecure = TRUE;
  ck_assert (!skopos_registries_conf_check_registry (conf, "blocked.example/a", &insecure, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_BLOCKED);
  ck_assert_ptr_nonnull (strstr (error->message, "registries.conf"));
  g_clear_error (&error);

  expect_sources (conf, "blocked.example/a:1",
                  "error: registry blocked.example is blocked in registries.conf");

  ck_assert (skopos_registries_conf_check_registry (conf, "insecure.example:5000/a", &insecure,
                                                    NULL));
  ck_assert (insecure);
  ck_assert (skopos_registries_conf_check_registry (conf, "insecure.example", &insecure, NULL));
  ck_assert (!insecure);
}
END_TEST

START_TEST (test_registries_conf_version1)
{
  g_autoptr (SkoposRegistriesConf) conf = parse (
      "[registries.search]\n"
      "registries = ['docker.io']\n"
      "[registries.insecure]\n"
      "registries = ['old.example:5000', 'both.example']\n"
      "[registries.block]\n"
      "registries = ['bad.example', 'both.example']\n");
  gboolean insecure = FALSE;
  ck_assert (skopos_registries_conf_check_registry (conf, "old.example:5000", &insecure, NULL));
  ck_assert (insecure);
  g_autoptr (GError) error = NULL;
  ck_assert (!skopos_registries_conf_check_registry (conf, "bad.example/x", NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_BLOCKED);
  g_clear_error (&error);
  ck_assert (!skopos_registries_conf_check_registry (conf, "both.example", NULL, &error));

  expect_parse_error ("[registries.search]\nregistries = []\n[[registry]]\nlocation = \"x\"\n",
                      "mixing");
  expect_parse_error ("[registries.insecure]\nregistries = 'x'\n", "list of strings");
}
END_TEST

START_TEST (test_registries_conf_malformed)
{
  expect_parse_error ("[[registry]]\nlocation = \"https://x.example\"\n", "URI schemes");
  expect_parse_error ("[[registry]]\ninsecure = true\n", "both location and prefix are unset");
  expect_parse_error ("[[registry]]\nprefix = \"x.example/a\"\n", "location is unset");
  expect_parse_error ("[[registry]]\nlocation = \"x\"\ninsecure = \"yes\"\n", "true or false");
  expect_parse_error ("[[registry]]\nlocation = 5\n", "must be a string");
  expect_parse_error ("registry = \"x\"\n", "list of tables");
  expect_parse_error ("[[registry]]\nlocation = \"x\"\ninsecure = true\n"
                      "[[registry]]\nprefix = \"y\"\nlocation = \"x\"\n",
                      "conflicting 'insecure'");
  expect_parse_error ("[[registry]]\nlocation = \"x\"\nblocked = true\n"
                      "[[registry]]\nprefix = \"y\"\nlocation = \"x\"\n",
                      "conflicting 'blocked'");
  expect_parse_error ("[[registry]]\nlocation = \"x\"\n  insecure = tru\n", "registries.conf:3");
  expect_parse_error ("unqualified-search-registries = \"docker.io\"\n", "list of strings");

  /* Keys skopos does not use are accepted, as the containers tools accept them. */
  g_autoptr (SkoposRegistriesConf) conf = parse (
      "short-name-mode = \"enforcing\"\n"
      "[aliases]\n\"fedora\" = \"registry.example/f\"\n");
  ck_assert_ptr_nonnull (conf);
}
END_TEST

START_TEST (test_registries_conf_duplicate_prefix_first_wins)
{
  g_autoptr (SkoposRegistriesConf) conf = parse ("[[registry]]\n"
                                                 "prefix = \"p.example\"\n"
                                                 "location = \"first.example\"\n"
                                                 "[[registry]]\n"
                                                 "prefix = \"p.example\"\n"
                                                 "location = \"second.example\"\n");
  expect_sources (conf, "p.example/a:1", "first.example/a:1");
}
END_TEST

/* ---- Files ---------------------------------------------------------------------------- */

START_TEST (test_registries_conf_load_user_file_and_dropins)
{
  write_file ("conf/registries.conf", "credential-helpers = [\"containers-auth.json\", \"pass\"]\n"
                                      "[[registry]]\nlocation = \"a.example\"\ninsecure = true\n"
                                      "[[registry]]\nlocation = \"b.example\"\n");
  /* Drop-ins: in name order; a prefix replaces the main file's entry. */
  write_file ("conf/registries.conf.d/20-b.conf",
              "[[registry]]\nlocation = \"b.example\"\nblocked = true\n");
  write_file ("conf/registries.conf.d/10-a.conf",
              "[[registry]]\nlocation = \"a.example\"\n[[registry]]\nlocation = \"c.example\"\n"
              "insecure = true\n");
  write_file ("conf/registries.conf.d/30-ignored.txt", "this is not read");
  g_autofree char *path = g_build_filename (tmp, "conf", "registries.conf", NULL);
  g_setenv ("CONTAINERS_REGISTRIES_CONF", path, TRUE);

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposRegistriesConf) conf = skopos_registries_conf_load (NULL, &error);
  skopos_assert_no_error (error);

  gboolean insecure = TRUE;
  ck_assert (skopos_registries_conf_check_registry (conf, "a.example", &insecure, NULL));
  ck_assert (!insecure);
  ck_assert (skopos_registries_conf_check_registry (conf, "c.example", &insecure, NULL));
  ck_assert (insecure);
  ck_assert (!skopos_registries_conf_check_registry (conf, "b.example", NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_BLOCKED);

  const char *const *helpers = skopos_registries_conf_get_credential_helpers (conf);
  ck_assert_str_eq (helpers[1], "pass");
  ck_assert_ptr_nonnull (strstr (skopos_registries_conf_get_origin (conf), "20-b.conf"));
  ck_assert (strstr (skopos_registries_conf_get_origin (conf), "10-a.conf")
             < strstr (skopos_registries_conf_get_origin (conf), "20-b.conf"));
}
END_TEST

START_TEST (test_registries_conf_load_errors)
{
  /* A file the user named must exist. */
  g_autofree char *missing = g_build_filename (tmp, "nope.conf", NULL);
  g_autoptr (SkoposContext) ctx = skopos_context_new ();
  skopos_context_set_string (ctx, SKOPOS_CONTEXT_REGISTRIES_CONF, missing);
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (skopos_registries_conf_load (ctx, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "nope.conf"));
  g_clear_error (&error);

  /* Drop-ins must be version 2, and are checked like the main file. */
  write_file ("c/registries.conf", "");
  write_file ("c/registries.conf.d/a.conf", "[registries.block]\nregistries = [\"x\"]\n");
  g_autofree char *path = g_build_filename (tmp, "c", "registries.conf", NULL);
  skopos_context_set_string (ctx, SKOPOS_CONTEXT_REGISTRIES_CONF, path);
  ck_assert_ptr_null (skopos_registries_conf_load (ctx, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "version 2"));
  ck_assert_ptr_nonnull (strstr (error->message, "a.conf"));
  g_clear_error (&error);

  write_file ("c/registries.conf.d/a.conf", "[[registry]\n");
  ck_assert_ptr_null (skopos_registries_conf_load (ctx, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "a.conf:1"));
}
END_TEST

START_TEST (test_registries_conf_user_home_file)
{
  /* ~/.config/containers/registries.conf replaces the system file when it exists. */
  write_file ("home/.config/containers/registries.conf",
              "[[registry]]\nlocation = \"home.example\"\nblocked = true\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposRegistriesConf) conf = skopos_registries_conf_load (NULL, &error);
  skopos_assert_no_error (error);
  ck_assert (!skopos_registries_conf_check_registry (conf, "home.example", NULL, &error));
  ck_assert_ptr_nonnull (strstr (error->message, ".config/containers/registries.conf"));
}
END_TEST

static Suite *
registries_conf_suite (void)
{
  Suite *s = suite_create ("RegistriesConf");

  TCase *tc = tcase_create ("match");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_registries_conf_prefix_rewrite);
  tcase_add_test (tc, test_registries_conf_wildcard);
  tcase_add_test (tc, test_registries_conf_duplicate_prefix_first_wins);
  suite_add_tcase (s, tc);

  tc = tcase_create ("mirrors");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_registries_conf_mirrors);
  tcase_add_test (tc, test_registries_conf_mirror_by_digest_only);
  suite_add_tcase (s, tc);

  tc = tcase_create ("flags");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_registries_conf_blocked_insecure_v2);
  tcase_add_test (tc, test_registries_conf_version1);
  tcase_add_test (tc, test_registries_conf_malformed);
  suite_add_tcase (s, tc);

  tc = tcase_create ("files");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_registries_conf_load_user_file_and_dropins);
  tcase_add_test (tc, test_registries_conf_load_errors);
  tcase_add_test (tc, test_registries_conf_user_home_file);
  suite_add_tcase (s, tc);

  return s;
}

SKOPOS_TEST_MAIN (registries_conf_suite)
