/* test-digest.c: digest validation, hashing and the verifying stream.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "skopos-check.h"

#define EMPTY_SHA256 "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC_SHA256 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

START_TEST (test_digest_validate_forms)
{
  static const char *const good[] = {
    EMPTY_SHA256,
    "sha512:"
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec"
    "2f63b931bd47417a81a538327af927da3e",
  };
  static const char *const bad[] = {
    "",
    "sha256",
    "sha256:",
    "sha256:../../x",
    "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
    "md5:d41d8cd98f00b204e9800998ecf8427e",
    "sha384:"
    "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b9"
    "5b",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85/",
    ":e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    ck_assert_msg (skopos_digest_validate (good[i], NULL), "refused %s", good[i]);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      ck_assert_msg (!skopos_digest_validate (bad[i], &error), "accepted '%s'", bad[i]);
      skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);
    }
  ck_assert_ptr_null (skopos_digest_get_hex ("sha256:../x"));
  ck_assert_str_eq (skopos_digest_get_hex (EMPTY_SHA256), EMPTY_SHA256 + 7);
  g_autofree char *alg = skopos_digest_dup_algorithm (EMPTY_SHA256);
  ck_assert_str_eq (alg, "sha256");
}
END_TEST

START_TEST (test_digest_compute_known_values)
{
  g_autofree char *empty = skopos_digest_compute ("sha256", "", 0);
  ck_assert_str_eq (empty, EMPTY_SHA256);
  g_autofree char *abc = skopos_digest_compute ("sha256", "abc", 3);
  ck_assert_str_eq (abc, ABC_SHA256);
  g_autofree char *abc512 = skopos_digest_compute ("sha512", "abc", 3);
  ck_assert (g_str_has_prefix (abc512, "sha512:ddaf35a193617aba"));

  /* Incremental hashing gives the same result as one call. */
  g_autoptr (SkoposDigester) d = skopos_digester_new ("sha256");
  skopos_digester_update (d, "a", 1);
  skopos_digester_update (d, "bc", 2);
  g_autofree char *inc = skopos_digester_finish (d);
  ck_assert_str_eq (inc, ABC_SHA256);
}
END_TEST

static gssize
read_all (GInputStream *stream, GError **error)
{
  char buf[2];
  gssize total = 0, n;
  /* Small reads exercise the per-read accounting. */
  while ((n = g_input_stream_read (stream, buf, sizeof buf, NULL, error)) > 0)
    total += n;
  return n < 0 ? -1 : total;
}

static GInputStream *
memory_stream (const char *text)
{
  return g_memory_input_stream_new_from_data (g_strdup (text), strlen (text), g_free);
}

START_TEST (test_digest_stream_accepts_matching_bytes)
{
  g_autoptr (GInputStream) base = memory_stream ("abc");
  g_autoptr (GInputStream) s = skopos_digest_input_stream_new (base, ABC_SHA256, 3);
  g_autoptr (GError) error = NULL;
  ck_assert_int_eq (read_all (s, &error), 3);
  skopos_assert_no_error (error);
  ck_assert_str_eq (skopos_digest_input_stream_get_digest (s), ABC_SHA256);
  ck_assert_int_eq (skopos_digest_input_stream_get_bytes_read (s), 3);
}
END_TEST

START_TEST (test_digest_stream_refuses_wrong_digest)
{
  g_autoptr (GInputStream) base = memory_stream ("abd");
  g_autoptr (GInputStream) s = skopos_digest_input_stream_new (base, ABC_SHA256, -1);
  g_autoptr (GError) error = NULL;
  ck_assert_int_eq (read_all (s, &error), -1);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_DIGEST_MISMATCH);
}
END_TEST

START_TEST (test_digest_stream_refuses_truncated_and_oversized)
{
  g_autoptr (GInputStream) shorter = memory_stream ("ab");
  g_autoptr (GInputStream) s1 = skopos_digest_input_stream_new (shorter, ABC_SHA256, 3);
  g_autoptr (GError) e1 = NULL;
  ck_assert_int_eq (read_all (s1, &e1), -1);
  skopos_assert_error (e1, SKOPOS_ERROR, SKOPOS_ERROR_SIZE_MISMATCH);

  g_autoptr (GInputStream) longer = memory_stream ("abcd");
  g_autoptr (GInputStream) s2 = skopos_digest_input_stream_new (longer, ABC_SHA256, 3);
  g_autoptr (GError) e2 = NULL;
  ck_assert_int_eq (read_all (s2, &e2), -1);
  skopos_assert_error (e2, SKOPOS_ERROR, SKOPOS_ERROR_SIZE_MISMATCH);
}
END_TEST

START_TEST (test_digest_stream_computes_without_expectation)
{
  g_autoptr (GInputStream) base = memory_stream ("abc");
  g_autoptr (GInputStream) s = skopos_digest_input_stream_new (base, NULL, -1);
  ck_assert_ptr_null (skopos_digest_input_stream_get_digest (s));
  ck_assert_int_eq (read_all (s, NULL), 3);
  ck_assert_str_eq (skopos_digest_input_stream_get_digest (s), ABC_SHA256);
}
END_TEST

static Suite *
digest_suite (void)
{
  Suite *s = suite_create ("Digest");
  TCase *tc = tcase_create ("digests");
  tcase_add_test (tc, test_digest_validate_forms);
  tcase_add_test (tc, test_digest_compute_known_values);
  suite_add_tcase (s, tc);
  TCase *streams = tcase_create ("streams");
  tcase_add_test (streams, test_digest_stream_accepts_matching_bytes);
  tcase_add_test (streams, test_digest_stream_refuses_wrong_digest);
  tcase_add_test (streams, test_digest_stream_refuses_truncated_and_oversized);
  tcase_add_test (streams, test_digest_stream_computes_without_expectation);
  suite_add_tcase (s, streams);
  return s;
}

SKOPOS_TEST_MAIN (digest_suite)
