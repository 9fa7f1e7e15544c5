/* test-compression.c: gzip and zstd round trips and detection.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include "skopos-check.h"

static GBytes *
slurp (GInputStream *stream, GError **error)
{
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  if (g_output_stream_splice (out, stream, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, error) < 0)
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static GBytes *
sample_data (void)
{
  /* Large enough to span several converter buffers, compressible but not trivial. */
  GString *s = g_string_new (NULL);
  for (int i = 0; i < 200000; i++)
    g_string_append_printf (s, "%d,", i * 7919 % 10007);
  return g_string_free_to_bytes (s);
}

static void
round_trip (SkoposCompression compression)
{
  g_autoptr (GBytes) data = sample_data ();
  g_autoptr (GError) error = NULL;

  g_autoptr (GInputStream) plain = g_memory_input_stream_new_from_bytes (data);
  g_autoptr (GInputStream) packer = skopos_compression_compress_stream (plain, compression, &error);
  skopos_assert_no_error (error);
  g_autoptr (GBytes) packed = slurp (packer, &error);
  skopos_assert_no_error (error);
  ck_assert_uint_lt (g_bytes_get_size (packed), g_bytes_get_size (data));

  gsize len = 0;
  const guint8 *p = g_bytes_get_data (packed, &len);
  ck_assert_int_eq (skopos_compression_detect (p, len), compression);

  g_autoptr (GInputStream) packed_stream = g_memory_input_stream_new_from_bytes (packed);
  g_autoptr (GInputStream) unpacker
      = skopos_compression_auto_decompress_stream (packed_stream, NULL, &error);
  skopos_assert_no_error (error);
  g_autoptr (GBytes) back = slurp (unpacker, &error);
  skopos_assert_no_error (error);
  ck_assert (g_bytes_equal (back, data));
}

START_TEST (test_compression_gzip_round_trip)
{
  round_trip (SKOPOS_COMPRESSION_GZIP);
}
END_TEST

START_TEST (test_compression_zstd_round_trip)
{
#if HAVE_ZSTD
  round_trip (SKOPOS_COMPRESSION_ZSTD);
#else
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) plain = g_memory_input_stream_new ();
  ck_assert_ptr_null (skopos_compression_compress_stream (plain, SKOPOS_COMPRESSION_ZSTD, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_SUPPORTED);
#endif
}
END_TEST

static GBytes *
gzip_bytes (GBytes *input)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) plain = g_memory_input_stream_new_from_bytes (input);
  g_autoptr (GInputStream) packer = skopos_compression_compress_stream (
      plain, SKOPOS_COMPRESSION_GZIP, &error);
  skopos_assert_no_error (error);
  GBytes *packed = slurp (packer, &error);
  skopos_assert_no_error (error);
  return packed;
}

/* Sizes around the parallel gzip block size (1 MiB): empty, one byte, a block
 * exactly, a block and a byte, several blocks. */
static const gsize gzip_sizes[] = { 0, 1, 1048576, 1048577, 3 * 1048576 + 7 };

START_TEST (test_compression_gzip_blocks_round_trip)
{
  gsize size = gzip_sizes[_i];
  g_autofree guint8 *data = g_malloc (size + 1);
  /* Half random (incompressible), half repetitive, so blocks differ in how they pack. */
  GRand *rand = g_rand_new_with_seed (42);
  for (gsize i = 0; i < size; i++)
    data[i] = i < size / 2 ? (guint8) g_rand_int (rand) : (guint8) (i % 7);
  g_rand_free (rand);
  g_autoptr (GBytes) input = g_bytes_new (data, size);

  g_autoptr (GBytes) packed = gzip_bytes (input);
  g_autoptr (GBytes) again = gzip_bytes (input);
  /* The same input gives the same bytes: digests of recompressed layers are stable. */
  ck_assert (g_bytes_equal (packed, again));

  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) packed_stream = g_memory_input_stream_new_from_bytes (packed);
  g_autoptr (GInputStream) unpacker = skopos_compression_decompress_stream (
      packed_stream, SKOPOS_COMPRESSION_GZIP, &error);
  g_autoptr (GBytes) back = slurp (unpacker, &error);
  skopos_assert_no_error (error);
  ck_assert_msg (g_bytes_equal (back, input), "size %zu did not round-trip", size);
}
END_TEST

START_TEST (test_compression_plain_passes_through)
{
  g_autoptr (GInputStream) plain = g_memory_input_stream_new_from_data ("hello tar", 9, NULL);
  g_autoptr (GInputStream) s = skopos_compression_auto_decompress_stream (plain, NULL, NULL);
  g_autoptr (GBytes) back = slurp (s, NULL);
  ck_assert_uint_eq (g_bytes_get_size (back), 9);
  ck_assert_int_eq (memcmp (g_bytes_get_data (back, NULL), "hello tar", 9), 0);
}
END_TEST

START_TEST (test_compression_corrupt_input_fails)
{
  static const guint8 bad_gzip[] = { 0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x03,
                                     0xff, 0xff, 0xff, 0xff };
  g_autoptr (GInputStream) base
      = g_memory_input_stream_new_from_data (bad_gzip, sizeof bad_gzip, NULL);
  g_autoptr (GInputStream) s = skopos_compression_decompress_stream (base, SKOPOS_COMPRESSION_GZIP,
                                                                     NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) back = slurp (s, &error);
  ck_assert_ptr_null (back);
  ck_assert_ptr_nonnull (error);
}
END_TEST

static Suite *
compression_suite (void)
{
  Suite *s = suite_create ("Compression");
  TCase *tc = tcase_create ("codecs");
  tcase_add_test (tc, test_compression_gzip_round_trip);
  tcase_add_loop_test (tc, test_compression_gzip_blocks_round_trip, 0, G_N_ELEMENTS (gzip_sizes));
  tcase_add_test (tc, test_compression_zstd_round_trip);
  tcase_add_test (tc, test_compression_plain_passes_through);
  tcase_add_test (tc, test_compression_corrupt_input_fails);
  suite_add_tcase (s, tc);
  return s;
}

SKOPOS_TEST_MAIN (compression_suite)
