/* skopos-check.h: shared helpers for the Check unit tests.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include <skopos/skopos.h>

/* Any g_warning or g_critical during a test is a bug: fail loudly instead of
 * printing and carrying on. */
static inline void
skopos_check_log_handler (const char *domain, GLogLevelFlags level, const char *message,
                          gpointer data)
{
  (void) data;
  if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
    ck_abort_msg ("unexpected %s from %s: %s",
                  (level & G_LOG_LEVEL_CRITICAL) ? "critical" : "warning",
                  domain ? domain : "(none)", message);
}

static inline void
skopos_check_install_log_handler (void)
{
  g_log_set_default_handler (skopos_check_log_handler, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
}

#define skopos_assert_no_error(err)                                                       \
  ck_assert_msg ((err) == NULL, "unexpected error: %s", (err) ? (err)->message : "")

#define skopos_assert_error(err, domain, expected_code)                                            \
  G_STMT_START                                                                            \
  {                                                                                       \
    ck_assert_msg ((err) != NULL, "expected an error, got none");                         \
    ck_assert_msg (g_error_matches ((err), (domain), (expected_code)),                             \
                   "expected error code %d, got %d: %s", (int) (expected_code), (err)->code,       \
                   (err)->message);                                                       \
  }                                                                                       \
  G_STMT_END

/* The error's message names @needle (a file, a digest, a reason). */
static inline void
assert_message_contains (const GError *error, const char *needle)
{
  ck_assert_msg (error != NULL, "expected an error naming '%s', got none", needle);
  ck_assert_msg (strstr (error->message, needle) != NULL, "'%s' not in error '%s'", needle,
                 error->message);
}

/* A fresh temporary folder, removed by the caller with skopos_rm_rf(). */
static inline char *
skopos_check_make_tmpdir (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("skopos-test-XXXXXX", &error);
  ck_assert_msg (dir != NULL, "cannot make a temporary folder: %s",
                 error ? error->message : "");
  return dir;
}

/* SKOPOS_TEST_MAIN(name, suite_function): runs the suite in Check's fork mode, so
 * each test starts with a clean transport registry. */
#define SKOPOS_TEST_MAIN(suite_function)                                                  \
  int main (void)                                                                         \
  {                                                                                       \
    skopos_check_install_log_handler ();                                                  \
    SRunner *runner = srunner_create (suite_function ());                                 \
    srunner_run_all (runner, CK_NORMAL);                                                  \
    int failed = srunner_ntests_failed (runner);                                          \
    srunner_free (runner);                                                                \
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                                     \
  }
