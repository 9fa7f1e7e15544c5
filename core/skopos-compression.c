/* skopos-compression.c: layer compression on the fly.
 *
 * gzip goes through GIO's zlib converters; zstd through a small GConverter over
 * libzstd's streaming API (when built with it). Everything is a stream wrapper, so
 * the copy engine never holds a layer in memory.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#if HAVE_ZSTD
#include <zstd.h>
#endif

#include <skopos/skopos.h>

#include "skopos-private.h"

const char *
skopos_compression_to_string (SkoposCompression compression)
{
  switch (compression)
    {
    case SKOPOS_COMPRESSION_NONE:
      return "none";
    case SKOPOS_COMPRESSION_GZIP:
      return "gzip";
    case SKOPOS_COMPRESSION_ZSTD:
      return "zstd";
    case SKOPOS_COMPRESSION_UNKNOWN:
    default:
      return "unknown";
    }
}

SkoposCompression
skopos_compression_detect (const guint8 *data, gsize len)
{
  if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b)
    return SKOPOS_COMPRESSION_GZIP;
  if (len >= 4 && data[0] == 0x28 && data[1] == 0xb5 && data[2] == 0x2f && data[3] == 0xfd)
    return SKOPOS_COMPRESSION_ZSTD;
  return SKOPOS_COMPRESSION_NONE;
}

#if HAVE_ZSTD

#define SKOPOS_TYPE_ZSTD_CONVERTER (_skopos_zstd_converter_get_type ())
G_DECLARE_FINAL_TYPE (SkoposZstdConverter, _skopos_zstd_converter, SKOPOS, ZSTD_CONVERTER, GObject)

struct _SkoposZstdConverter
{
  GObject parent;
  gboolean compress;
  ZSTD_CStream *cstream;
  ZSTD_DStream *dstream;
  gboolean frame_done;
};

static void zstd_converter_iface_init (GConverterIface *iface);

G_DEFINE_TYPE_WITH_CODE (SkoposZstdConverter, _skopos_zstd_converter, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_CONVERTER, zstd_converter_iface_init))

/* Signals what GConverterInputStream should do when a call made no progress: give
 * more input, or (only when the output buffer really is empty) more room. */
static GConverterResult
no_progress (gsize outbuf_size, gboolean at_end, GError **error)
{
  if (outbuf_size == 0)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "need more room");
  else if (at_end)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "zstd data is truncated");
  else
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "need more input");
  return G_CONVERTER_ERROR;
}

static GConverterResult
zstd_convert (GConverter *converter, const void *inbuf, gsize inbuf_size, void *outbuf,
              gsize outbuf_size, GConverterFlags flags, gsize *bytes_read, gsize *bytes_written,
              GError **error)
{
  SkoposZstdConverter *self = SKOPOS_ZSTD_CONVERTER (converter);
  ZSTD_inBuffer in = { inbuf, inbuf_size, 0 };
  ZSTD_outBuffer out = { outbuf, outbuf_size, 0 };
  gboolean at_end = (flags & G_CONVERTER_INPUT_AT_END) != 0;
  size_t ret;

  if (self->compress)
    {
      ZSTD_EndDirective mode = at_end                        ? ZSTD_e_end
                               : (flags & G_CONVERTER_FLUSH) ? ZSTD_e_flush
                                                             : ZSTD_e_continue;
      ret = ZSTD_compressStream2 (self->cstream, &out, &in, mode);
      if (ZSTD_isError (ret))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "zstd compression failed: %s",
                       ZSTD_getErrorName (ret));
          return G_CONVERTER_ERROR;
        }
      *bytes_read = in.pos;
      *bytes_written = out.pos;
      if (mode == ZSTD_e_end && ret == 0)
        return G_CONVERTER_FINISHED;
      if (mode == ZSTD_e_flush && ret == 0)
        return G_CONVERTER_FLUSHED;
      if (in.pos == 0 && out.pos == 0)
        return no_progress (outbuf_size, FALSE, error);
      return G_CONVERTER_CONVERTED;
    }

  ret = ZSTD_decompressStream (self->dstream, &out, &in);
  if (ZSTD_isError (ret))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "zstd data is corrupt: %s",
                   ZSTD_getErrorName (ret));
      return G_CONVERTER_ERROR;
    }
  *bytes_read = in.pos;
  *bytes_written = out.pos;

  /* ret == 0: a frame ended and all it decoded was handed out. A call without input
   * says nothing new about where the stream stands. */
  if (ret == 0)
    self->frame_done = TRUE;
  else if (in.pos > 0 || out.pos > 0)
    self->frame_done = FALSE;

  if (at_end && in.pos == inbuf_size && self->frame_done)
    return G_CONVERTER_FINISHED;
  if (in.pos == 0 && out.pos == 0)
    return no_progress (outbuf_size, at_end && inbuf_size == 0, error);
  return G_CONVERTER_CONVERTED;
}

static void
zstd_reset (GConverter *converter)
{
  SkoposZstdConverter *self = SKOPOS_ZSTD_CONVERTER (converter);
  if (self->cstream)
    ZSTD_CCtx_reset (self->cstream, ZSTD_reset_session_only);
  if (self->dstream)
    ZSTD_DCtx_reset (self->dstream, ZSTD_reset_session_only);
}

static void
zstd_converter_iface_init (GConverterIface *iface)
{
  iface->convert = zstd_convert;
  iface->reset = zstd_reset;
}

static void
zstd_converter_finalize (GObject *object)
{
  SkoposZstdConverter *self = SKOPOS_ZSTD_CONVERTER (object);
  ZSTD_freeCStream (self->cstream);
  ZSTD_freeDStream (self->dstream);
  G_OBJECT_CLASS (_skopos_zstd_converter_parent_class)->finalize (object);
}

static void
_skopos_zstd_converter_class_init (SkoposZstdConverterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = zstd_converter_finalize;
}

static void
_skopos_zstd_converter_init (SkoposZstdConverter *self)
{
}

static GConverter *
zstd_converter_new (gboolean compress, int level)
{
  SkoposZstdConverter *self = g_object_new (SKOPOS_TYPE_ZSTD_CONVERTER, NULL);
  self->compress = compress;
  if (compress)
    {
      self->cstream = ZSTD_createCStream ();
      ZSTD_CCtx_setParameter (self->cstream, ZSTD_c_compressionLevel, level < 0 ? 3 : level);
    }
  else
    self->dstream = ZSTD_createDStream ();
  return G_CONVERTER (self);
}

#endif /* HAVE_ZSTD */

static GConverter *
converter_for (SkoposCompression compression, gboolean compress, int level, GError **error)
{
  switch (compression)
    {
    case SKOPOS_COMPRESSION_GZIP:
      if (compress)
        return G_CONVERTER (g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, level));
      return G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
    case SKOPOS_COMPRESSION_ZSTD:
#if HAVE_ZSTD
      return zstd_converter_new (compress, level);
#else
      skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                    "zstd compression is not supported: libskopos was built without libzstd");
      return NULL;
#endif
    case SKOPOS_COMPRESSION_NONE:
    case SKOPOS_COMPRESSION_UNKNOWN:
    default:
      skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED, "unsupported compression '%s'",
                    skopos_compression_to_string (compression));
      return NULL;
    }
}

GInputStream *
skopos_compression_decompress_stream (GInputStream *base, SkoposCompression compression,
                                      GError **error)
{
  if (compression == SKOPOS_COMPRESSION_NONE)
    return g_object_ref (base);

  g_autoptr (GConverter) converter = converter_for (compression, FALSE, -1, error);
  if (converter == NULL)
    return NULL;
  return g_converter_input_stream_new (base, converter);
}

GInputStream *
skopos_compression_compress_stream_with_level (GInputStream *base, SkoposCompression compression,
                                               int level, GError **error)
{
  if (compression == SKOPOS_COMPRESSION_NONE)
    return g_object_ref (base);

  /* gzip takes 0 (stored) to 9, as skopeo does; zstd 1 to 22. */
  int min_level = compression == SKOPOS_COMPRESSION_ZSTD ? 1 : 0;
  int max_level = compression == SKOPOS_COMPRESSION_ZSTD ? 22 : 9;
  if (level != -1 && (level < min_level || level > max_level))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                    "compression level %d is out of range for %s (%d to %d)", level,
                    skopos_compression_to_string (compression), min_level, max_level);
      return NULL;
    }

  /* gzip is the slow one and layers are often one large blob: use every core. */
  if (compression == SKOPOS_COMPRESSION_GZIP)
    return _skopos_parallel_gzip_stream_new (base, level);

  g_autoptr (GConverter) converter = converter_for (compression, TRUE, level, error);
  if (converter == NULL)
    return NULL;
  return g_converter_input_stream_new (base, converter);
}

GInputStream *
skopos_compression_compress_stream (GInputStream *base, SkoposCompression compression,
                                    GError **error)
{
  return skopos_compression_compress_stream_with_level (base, compression, -1, error);
}

SkoposCompression
skopos_compression_from_string (const char *name)
{
  if (g_strcmp0 (name, "gzip") == 0)
    return SKOPOS_COMPRESSION_GZIP;
  if (g_strcmp0 (name, "zstd") == 0)
    return SKOPOS_COMPRESSION_ZSTD;
  return SKOPOS_COMPRESSION_UNKNOWN;
}

GInputStream *
skopos_compression_auto_decompress_stream (GInputStream *base, GCancellable *cancellable,
                                           GError **error)
{
  /* Peek without consuming: a buffered stream lets the bytes be read again. */
  g_autoptr (GInputStream) buffered = g_buffered_input_stream_new (base);
  GBufferedInputStream *peeker = G_BUFFERED_INPUT_STREAM (buffered);

  /* A fill may bring fewer bytes than asked (a network stream hands out what it
   * has): keep filling until the magic numbers are in or the stream ends. */
  while (g_buffered_input_stream_get_available (peeker) < 4)
    {
      gssize filled = g_buffered_input_stream_fill (
          peeker, 4 - g_buffered_input_stream_get_available (peeker), cancellable, error);
      if (filled < 0)
        return NULL;
      if (filled == 0)
        break;
    }

  gsize available = 0;
  const guint8 *peek = g_buffered_input_stream_peek_buffer (peeker, &available);
  SkoposCompression compression = skopos_compression_detect (peek, available);
  return skopos_compression_decompress_stream (buffered, compression, error);
}
