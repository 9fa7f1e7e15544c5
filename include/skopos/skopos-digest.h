/* skopos-digest.h: content digests ("sha256:<hex>") and streams that check them.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <gio/gio.h>
#include <skopos/skopos-macros.h>

G_BEGIN_DECLS

/* Accepts exactly "sha256:" + 64 or "sha512:" + 128 lowercase hex digits. Anything
 * else (other algorithms, upper case, "sha256:../x") is refused, so a digest that
 * passes can be used as a file name. */
SKOPOS_API gboolean skopos_digest_validate (const char *digest, GError **error);

/* Borrowed pointers into @digest: the part after the colon. NULL if not valid. */
SKOPOS_API const char *skopos_digest_get_hex (const char *digest);

/* "sha256" or "sha512" (newly allocated); NULL if not valid. */
SKOPOS_API char *skopos_digest_dup_algorithm (const char *digest);

/* Digest of a buffer with @algorithm ("sha256" or "sha512"). */
SKOPOS_API char *skopos_digest_compute (const char *algorithm, const void *data, gsize len);

SKOPOS_API char *skopos_digest_compute_bytes (const char *algorithm, GBytes *bytes);

/* Incremental hashing (OpenSSL underneath). */
typedef struct _SkoposDigester SkoposDigester;

SKOPOS_API SkoposDigester *skopos_digester_new (const char *algorithm);
SKOPOS_API void skopos_digester_update (SkoposDigester *digester, const void *data, gsize len);
/* "alg:hex"; the digester must not be updated afterwards. */
SKOPOS_API char *skopos_digester_finish (SkoposDigester *digester);
SKOPOS_API void skopos_digester_free (SkoposDigester *digester);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkoposDigester, skopos_digester_free)

/**
 * skopos_digest_input_stream_new:
 * @base: the stream to read from
 * @expected_digest: (nullable): the digest the bytes must have; if NULL the stream
 *   only computes it, with the algorithm of sha256
 * @expected_size: the number of bytes expected, or -1 if unknown
 *
 * A stream that hashes what passes through it. When @expected_digest or
 * @expected_size is given, reading past the expected size, or reaching the end with
 * a different digest or size, fails the read with SKOPOS_ERROR_DIGEST_MISMATCH or
 * SKOPOS_ERROR_SIZE_MISMATCH, so a consumer that reads to the end before keeping
 * anything never keeps bad data.
 *
 * Returns: (transfer full): the stream
 */
SKOPOS_API GInputStream *skopos_digest_input_stream_new (GInputStream *base,
                                                         const char *expected_digest,
                                                         gint64 expected_size);

/* After the end was reached and every check passed: the digest of everything read
 * ("alg:hex"); NULL before the end or after a failed check. */
SKOPOS_API const char *skopos_digest_input_stream_get_digest (GInputStream *stream);
SKOPOS_API gint64 skopos_digest_input_stream_get_bytes_read (GInputStream *stream);

G_END_DECLS
