/* skopos-compression.h: layer compression on the fly (gzip through zlib; zstd when
 * libskopos was built with it).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <gio/gio.h>
#include <skopos/skopos-manifest.h>

G_BEGIN_DECLS

/* Looks at the first bytes of @data (at least 4 are needed). */
SKOPOS_API SkoposCompression skopos_compression_detect (const guint8 *data, gsize len);

/* A stream yielding the decompressed bytes of @base. NONE returns @base itself. */
SKOPOS_API GInputStream *skopos_compression_decompress_stream (GInputStream *base,
                                                               SkoposCompression compression,
                                                               GError **error);

/* A stream yielding @base compressed with @compression. */
SKOPOS_API GInputStream *skopos_compression_compress_stream (GInputStream *base,
                                                             SkoposCompression compression,
                                                             GError **error);

/* The same with a compression level (gzip 0-9, zstd 1-22; -1 for the default).
 * A level out of range is SKOPOS_ERROR_INVALID_ARGUMENT. */
SKOPOS_API GInputStream *skopos_compression_compress_stream_with_level (
    GInputStream *base, SkoposCompression compression, int level, GError **error);

/* "gzip" → GZIP, "zstd" → ZSTD; anything else is SKOPOS_COMPRESSION_UNKNOWN. */
SKOPOS_API SkoposCompression skopos_compression_from_string (const char *name);

/* A stream that decompresses @base if its first bytes show gzip or zstd, and passes
 * it through otherwise. */
SKOPOS_API GInputStream *skopos_compression_auto_decompress_stream (GInputStream *base,
                                                                    GCancellable *cancellable,
                                                                    GError **error);

SKOPOS_API const char *skopos_compression_to_string (SkoposCompression compression);

G_END_DECLS
