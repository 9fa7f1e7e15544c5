/* test-context.c: typed settings and the file helpers transports rely on.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <glib/gstdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <skopos/skopos-transport-plugin.h>

#include "skopos-check.h"

START_TEST (test_context_typed_values)
{
  g_autoptr (SkoposContext) ctx = skopos_context_new ();
  ck_assert (!skopos_context_has (ctx, SKOPOS_CONTEXT_TLS_VERIFY));
  ck_assert (skopos_context_get_boolean (ctx, SKOPOS_CONTEXT_TLS_VERIFY, TRUE));

  skopos_context_set_boolean (ctx, SKOPOS_CONTEXT_TLS_VERIFY, FALSE);
  ck_assert (skopos_context_has (ctx, SKOPOS_CONTEXT_TLS_VERIFY));
  ck_assert (!skopos_context_get_boolean (ctx, SKOPOS_CONTEXT_TLS_VERIFY, TRUE));

  skopos_context_set_string (ctx, SKOPOS_CONTEXT_AUTHFILE, "/x/auth.json");
  ck_assert_str_eq (skopos_context_get_string (ctx, SKOPOS_CONTEXT_AUTHFILE), "/x/auth.json");
  /* A value of another type reads as unset rather than crashing a transport. */
  ck_assert_int_eq (skopos_context_get_int (ctx, SKOPOS_CONTEXT_AUTHFILE, 7), 7);
  skopos_context_set_string (ctx, SKOPOS_CONTEXT_AUTHFILE, NULL);
  ck_assert_ptr_null (skopos_context_get_string (ctx, SKOPOS_CONTEXT_AUTHFILE));

  skopos_context_set_int (ctx, SKOPOS_CONTEXT_RETRY_TIMES, 3);
  ck_assert_int_eq (skopos_context_get_int (ctx, SKOPOS_CONTEXT_RETRY_TIMES, 0), 3);

  const char *tags[] = { "a:1", "b:2", NULL };
  skopos_context_set_strv (ctx, SKOPOS_CONTEXT_ADDITIONAL_TAGS, tags);
  const char *const *got = skopos_context_get_strv (ctx, SKOPOS_CONTEXT_ADDITIONAL_TAGS);
  ck_assert_uint_eq (g_strv_length ((char **) got), 2);
  ck_assert_str_eq (got[1], "b:2");
  ck_assert (skopos_context_has (ctx, SKOPOS_CONTEXT_ADDITIONAL_TAGS));
}
END_TEST

START_TEST (test_context_tmpdir_order)
{
  g_autoptr (SkoposContext) ctx = skopos_context_new ();
  g_unsetenv ("TMPDIR");
  ck_assert_str_eq (skopos_context_get_tmpdir (ctx), "/var/tmp");
  g_setenv ("TMPDIR", "/env/tmp", TRUE);
  ck_assert_str_eq (skopos_context_get_tmpdir (ctx), "/env/tmp");
  skopos_context_set_string (ctx, SKOPOS_CONTEXT_TMPDIR, "/flag/tmp");
  ck_assert_str_eq (skopos_context_get_tmpdir (ctx), "/flag/tmp");
}
END_TEST

static guint
count_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  while (d && g_dir_read_name (d))
    n++;
  return n;
}

START_TEST (test_fileutil_replace_contents_is_atomic)
{
  g_autofree char *dir = skopos_check_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "f.json", NULL);
  g_autoptr (GError) error = NULL;

  ck_assert (skopos_file_replace_contents (path, "one", 3, 0600, &error));
  ck_assert (skopos_file_replace_contents (path, "two!", 4, 0644, &error));
  skopos_assert_no_error (error);
  g_autofree char *got = NULL;
  ck_assert (g_file_get_contents (path, &got, NULL, NULL));
  ck_assert_str_eq (got, "two!");
  GStatBuf st;
  ck_assert_int_eq (g_stat (path, &st), 0);
  ck_assert_int_eq (st.st_mode & 0777, 0644);
  /* No temporary file stays behind. */
  ck_assert_uint_eq (count_entries (dir), 1);

  /* A folder that does not exist is an error naming it, and nothing is created. */
  g_autofree char *missing = g_build_filename (dir, "nope", "f.json", NULL);
  ck_assert (!skopos_file_replace_contents (missing, "x", 1, 0644, &error));
  ck_assert_ptr_nonnull (error);
  ck_assert_ptr_nonnull (strstr (error->message, "nope"));
  ck_assert (skopos_rm_rf (dir, NULL));
  ck_assert (!g_file_test (dir, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (test_fileutil_stream_to_temp_file_cleans_up_on_error)
{
  g_autofree char *dir = skopos_check_make_tmpdir ();
  g_autoptr (GError) error = NULL;

  /* A stream that fails its last read (wrong digest) leaves no file. */
  g_autoptr (GInputStream) base = g_memory_input_stream_new_from_data ("abc", 3, NULL);
  g_autoptr (GInputStream) bad = skopos_digest_input_stream_new (
      base, "sha256:0000000000000000000000000000000000000000000000000000000000000000", 3);
  g_autofree char *tmp = skopos_stream_to_temp_file (bad, dir, NULL, NULL, &error);
  ck_assert_ptr_null (tmp);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_DIGEST_MISMATCH);
  ck_assert_uint_eq (count_entries (dir), 0);

  g_autoptr (GInputStream) good = g_memory_input_stream_new_from_data ("hello", 5, NULL);
  gint64 size = 0;
  g_autofree char *ok = skopos_stream_to_temp_file (good, dir, &size, NULL, NULL);
  ck_assert_ptr_nonnull (ok);
  ck_assert_int_eq (size, 5);
  ck_assert (g_str_has_prefix (ok, dir));
  skopos_rm_rf (dir, NULL);
}
END_TEST

START_TEST (test_fileutil_lock_excludes_second_locker)
{
  g_autofree char *dir = skopos_check_make_tmpdir ();
  g_autofree char *lock = g_build_filename (dir, "lock", NULL);
  int fd = skopos_file_lock (lock, NULL);
  ck_assert_int_ge (fd, 0);

  /* A second open file description cannot take the lock while the first holds it. */
  int other = open (lock, O_RDWR);
  ck_assert_int_ne (flock (other, LOCK_EX | LOCK_NB), 0);
  skopos_file_unlock (fd);
  ck_assert_int_eq (flock (other, LOCK_EX | LOCK_NB), 0);
  close (other);
  skopos_rm_rf (dir, NULL);
}
END_TEST

static Suite *
context_suite (void)
{
  Suite *s = suite_create ("Context");
  TCase *tc = tcase_create ("context");
  tcase_add_test (tc, test_context_typed_values);
  tcase_add_test (tc, test_context_tmpdir_order);
  suite_add_tcase (s, tc);
  TCase *files = tcase_create ("fileutil");
  tcase_add_test (files, test_fileutil_replace_contents_is_atomic);
  tcase_add_test (files, test_fileutil_stream_to_temp_file_cleans_up_on_error);
  tcase_add_test (files, test_fileutil_lock_excludes_second_locker);
  suite_add_tcase (s, files);
  return s;
}

SKOPOS_TEST_MAIN (context_suite)
