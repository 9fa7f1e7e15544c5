/* test-loader.c: finding and checking transport modules, with fixture modules each
 * broken in one way (tests/plugins/).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "skopos-check.h"
#include "skopos-private.h"

static void
use_path (const char *path, const char *dir)
{
  g_setenv ("SKOPOS_TRANSPORT_PATH", path, TRUE);
  if (dir != NULL)
    g_setenv ("SKOPOS_TRANSPORT_DIR", dir, TRUE);
  else
    g_unsetenv ("SKOPOS_TRANSPORT_DIR");
  _skopos_transport_registry_reset ();
}

static void
setup (void)
{
  use_path (TEST_FIXTURE_DIR, "");
}

START_TEST (test_loader_loads_good_module)
{
  g_autoptr (GError) error = NULL;
  SkoposTransport *t = skopos_transport_lookup ("good", &error);
  skopos_assert_no_error (error);
  ck_assert_str_eq (skopos_transport_get_name (t), "good");
  ck_assert_str_eq (skopos_transport_get_version (t), "1.2.3");
  ck_assert_str_eq (skopos_transport_get_summary (t), "Loader test fixture");
  ck_assert (g_str_has_prefix (skopos_transport_get_path (t), TEST_FIXTURE_DIR));
  ck_assert (skopos_transport_get_flags (t) & SKOPOS_TRANSPORT_CAN_READ);

  g_auto (GStrv) caps = skopos_transport_dup_capability_names (t);
  ck_assert_uint_eq (g_strv_length (caps), 1);
  ck_assert_str_eq (caps[0], "read");

  /* The same object comes back: nothing is loaded twice. */
  ck_assert_ptr_eq (skopos_transport_lookup ("good", NULL), t);
}
END_TEST

typedef struct
{
  const char *name;
  int code;
  const char *needle;
} BrokenCase;

static const BrokenCase broken_cases[] = {
  { "wrong-major", SKOPOS_ERROR_PLUGIN_ABI, "different major version" },
  { "newer-minor", SKOPOS_ERROR_PLUGIN_ABI, "newer than this libskopos" },
  { "too-small", SKOPOS_ERROR_PLUGIN_ABI, "descriptor is too small" },
  { "name-mismatch", SKOPOS_ERROR_PLUGIN_LOAD, "calls itself 'something-else'" },
  { "missing-op", SKOPOS_ERROR_PLUGIN_LOAD, "required operation 'parse_reference'" },
  { "no-symbol", SKOPOS_ERROR_PLUGIN_LOAD, "does not export skopos_transport_get_descriptor" },
  { "init-fails", SKOPOS_ERROR_PLUGIN_LOAD, "fixture refuses to start" },
};

START_TEST (test_loader_refuses_broken_module)
{
  const BrokenCase *c = &broken_cases[_i];
  g_autoptr (GError) error = NULL;

  ck_assert_ptr_null (skopos_transport_lookup (c->name, &error));
  skopos_assert_error (error, SKOPOS_ERROR, c->code);
  assert_message_contains (error, c->needle);
  /* The error names the file at fault. */
  g_autofree char *file = g_strdup_printf ("libskopos-transport-%s.so", c->name);
  assert_message_contains (error, file);

  /* Asking again gives the same error without loading again. */
  g_autoptr (GError) again = NULL;
  ck_assert_ptr_null (skopos_transport_lookup (c->name, &again));
  ck_assert_str_eq (again->message, error->message);

  /* A broken module does not affect another transport. */
  g_autoptr (GError) good_error = NULL;
  ck_assert_ptr_nonnull (skopos_transport_lookup ("good", &good_error));
}
END_TEST

START_TEST (test_loader_refuses_non_module_file)
{
  g_autofree char *dir = skopos_check_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "libskopos-transport-garbage.so", NULL);
  ck_assert (g_file_set_contents (path, "this is not an ELF file\n", -1, NULL));
  use_path (dir, "");

  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (skopos_transport_lookup ("garbage", &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_PLUGIN_LOAD);
  assert_message_contains (error, "is not a loadable module");
  assert_message_contains (error, path);
  skopos_rm_rf (dir, NULL);
}
END_TEST

START_TEST (test_loader_unknown_transport)
{
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (skopos_transport_lookup ("nosuch", &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_UNKNOWN_TRANSPORT);
  assert_message_contains (error, "unknown transport 'nosuch'");

  g_autoptr (GError) bundled_error = NULL;
  ck_assert_ptr_null (skopos_transport_lookup ("containers-storage", &bundled_error));
  assert_message_contains (bundled_error, "transport 'containers-storage' is not installed");

  g_autoptr (GError) bad_name = NULL;
  ck_assert_ptr_null (skopos_transport_lookup ("../etc", &bad_name));
  skopos_assert_error (bad_name, SKOPOS_ERROR, SKOPOS_ERROR_UNKNOWN_TRANSPORT);
}
END_TEST

START_TEST (test_loader_first_folder_wins)
{
  g_autofree char *dir = skopos_check_make_tmpdir ();
  g_autofree char *src = g_build_filename (TEST_FIXTURE_DIR, "libskopos-transport-good.so", NULL);
  g_autofree char *dst = g_build_filename (dir, "libskopos-transport-good.so", NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;
  ck_assert (g_file_get_contents (src, &contents, &len, NULL));
  ck_assert (g_file_set_contents (dst, contents, len, NULL));

  g_autofree char *path = g_strconcat (dir, ":", TEST_FIXTURE_DIR, NULL);
  use_path (path, "");
  SkoposTransport *t = skopos_transport_lookup ("good", NULL);
  ck_assert_ptr_nonnull (t);
  ck_assert_str_eq (skopos_transport_get_path (t), dst);
  skopos_rm_rf (dir, NULL);
}
END_TEST

START_TEST (test_loader_search_path_order)
{
  use_path ("/a:/b::/c", "/replaced");
  const char *const *dirs = skopos_transport_get_search_path ();
  ck_assert_uint_eq (g_strv_length ((char **) dirs), 4);
  ck_assert_str_eq (dirs[0], "/a");
  ck_assert_str_eq (dirs[1], "/b");
  ck_assert_str_eq (dirs[2], "/c");
  ck_assert_str_eq (dirs[3], "/replaced");

  g_unsetenv ("SKOPOS_TRANSPORT_PATH");
  g_unsetenv ("SKOPOS_TRANSPORT_DIR");
  _skopos_transport_registry_reset ();
  dirs = skopos_transport_get_search_path ();
  ck_assert_uint_eq (g_strv_length ((char **) dirs), 1);
  ck_assert_str_eq (dirs[0], skopos_transport_get_builtin_dir ());

  /* An empty SKOPOS_TRANSPORT_DIR means no built-in folder at all. */
  use_path ("", "");
  ck_assert_uint_eq (g_strv_length ((char **) skopos_transport_get_search_path ()), 0);
}
END_TEST

START_TEST (test_loader_list_all_reports_failures)
{
  g_autoptr (GPtrArray) failures = NULL;
  g_autoptr (GPtrArray) transports = skopos_transport_list_all (&failures);
  g_ptr_array_set_free_func (failures, (GDestroyNotify) skopos_transport_failure_free);

  gboolean found_good = FALSE;
  for (guint i = 0; i < transports->len; i++)
    if (g_str_equal (skopos_transport_get_name (transports->pdata[i]), "good"))
      found_good = TRUE;
  ck_assert (found_good);

  ck_assert_uint_eq (failures->len, G_N_ELEMENTS (broken_cases));
  for (guint i = 1; i < failures->len; i++)
    {
      SkoposTransportFailure *a = failures->pdata[i - 1], *b = failures->pdata[i];
      ck_assert_int_lt (strcmp (a->name, b->name), 0);
    }
  for (guint i = 0; i < failures->len; i++)
    {
      SkoposTransportFailure *f = failures->pdata[i];
      ck_assert_ptr_nonnull (f->error);
      ck_assert (g_str_has_suffix (f->path, ".so"));
    }
}
END_TEST

START_TEST (test_loader_reference_round_trip)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = skopos_image_reference_parse ("good:some/thing:x",
                                                                       &error);
  skopos_assert_no_error (error);
  g_autofree char *text = skopos_image_reference_to_string (ref);
  ck_assert_str_eq (text, "good:some/thing:x");
  ck_assert_ptr_null (skopos_image_reference_dup_docker_reference (ref));

  /* The module's own errors come back, prefixed with the image name. */
  g_autoptr (SkoposImageSource) src = skopos_image_reference_open_source (ref, NULL, NULL, &error);
  ck_assert_ptr_null (src);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Operations the module lacks are refused by the core, naming the transport. */
  ck_assert (!skopos_image_reference_delete (ref, NULL, NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_SUPPORTED);
  assert_message_contains (error, "transport 'good' does not support deleting images");
  g_clear_error (&error);

  ck_assert_ptr_null (skopos_image_reference_open_destination (ref, NULL, NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  ck_assert_ptr_null (skopos_image_reference_list_tags (ref, NULL, NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_SUPPORTED);
}
END_TEST

START_TEST (test_loader_reference_parse_errors)
{
  static const char *const bad[] = { "no-colon-here", ":empty-transport", "good:" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      ck_assert_ptr_null (skopos_image_reference_parse (bad[i], &error));
      skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_REFERENCE);
      assert_message_contains (error, bad[i]);
    }

  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (skopos_image_reference_parse ("nosuch:x", &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_UNKNOWN_TRANSPORT);
}
END_TEST

static Suite *
loader_suite (void)
{
  Suite *s = suite_create ("Loader");
  TCase *tc = tcase_create ("modules");
  tcase_add_checked_fixture (tc, setup, NULL);
  tcase_add_test (tc, test_loader_loads_good_module);
  tcase_add_loop_test (tc, test_loader_refuses_broken_module, 0, G_N_ELEMENTS (broken_cases));
  tcase_add_test (tc, test_loader_refuses_non_module_file);
  tcase_add_test (tc, test_loader_unknown_transport);
  tcase_add_test (tc, test_loader_first_folder_wins);
  tcase_add_test (tc, test_loader_search_path_order);
  tcase_add_test (tc, test_loader_list_all_reports_failures);
  suite_add_tcase (s, tc);

  TCase *refs = tcase_create ("references");
  tcase_add_checked_fixture (refs, setup, NULL);
  tcase_add_test (refs, test_loader_reference_round_trip);
  tcase_add_test (refs, test_loader_reference_parse_errors);
  suite_add_tcase (s, refs);
  return s;
}

SKOPOS_TEST_MAIN (loader_suite)
