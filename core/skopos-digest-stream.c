/* skopos-digest-stream.c: an input stream that hashes what passes through it.
 *
 * Every blob the copy engine hands to a destination goes through one of these. When
 * the expected digest or size is known, the stream turns a mismatch into a read
 * error: reading past the expected size fails at once, and the read that reaches the
 * end fails if the digest differs. A destination that reads to the end before it
 * keeps anything (write to a temporary file, rename after) therefore never keeps bad
 * bytes, whatever the transport.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <skopos/skopos-digest.h>
#include <skopos/skopos-error.h>

#define SKOPOS_TYPE_DIGEST_INPUT_STREAM (_skopos_digest_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (SkoposDigestInputStream, _skopos_digest_input_stream, SKOPOS,
                      DIGEST_INPUT_STREAM, GFilterInputStream)

struct _SkoposDigestInputStream
{
  GFilterInputStream parent;

  SkoposDigester *digester;
  char *expected_digest;
  gint64 expected_size;
  gint64 bytes_read;
  char *final_digest;
  gboolean verified;
};

G_DEFINE_TYPE (SkoposDigestInputStream, _skopos_digest_input_stream, G_TYPE_FILTER_INPUT_STREAM)

static gboolean
check_at_end (SkoposDigestInputStream *self, GError **error)
{
  if (self->final_digest == NULL)
    self->final_digest = skopos_digester_finish (self->digester);

  if (self->expected_size >= 0 && self->bytes_read != self->expected_size)
    return skopos_throw (error, SKOPOS_ERROR_SIZE_MISMATCH,
                         "blob %s is truncated: expected %" G_GINT64_FORMAT
                         " bytes, got %" G_GINT64_FORMAT,
                         self->expected_digest ? self->expected_digest : self->final_digest,
                         self->expected_size, self->bytes_read);

  if (self->expected_digest != NULL && g_strcmp0 (self->final_digest, self->expected_digest) != 0)
    return skopos_throw (error, SKOPOS_ERROR_DIGEST_MISMATCH,
                         "digest mismatch for blob %s: the data read has digest %s",
                         self->expected_digest, self->final_digest);

  self->verified = TRUE;
  return TRUE;
}

static gssize
digest_stream_read (GInputStream *stream,
                    void *buffer,
                    gsize count,
                    GCancellable *cancellable,
                    GError **error)
{
  SkoposDigestInputStream *self = SKOPOS_DIGEST_INPUT_STREAM (stream);
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (stream));

  if (self->verified)
    return 0;

  /* Every blob passes through here, so this one check makes every transfer stop
   * promptly when cancelled (Ctrl-C, --command-timeout), whatever the transport's
   * own streams do: GIO's file streams do not look at the cancellable. */
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;

  gssize n = g_input_stream_read (base, buffer, count, cancellable, error);
  if (n < 0)
    return -1;

  if (n == 0)
    return check_at_end (self, error) ? 0 : -1;

  self->bytes_read += n;
  if (self->expected_size >= 0 && self->bytes_read > self->expected_size)
    {
      skopos_throw (error, SKOPOS_ERROR_SIZE_MISMATCH,
                    "blob %s is larger than the %" G_GINT64_FORMAT " bytes expected",
                    self->expected_digest ? self->expected_digest : "(unknown digest)",
                    self->expected_size);
      return -1;
    }
  skopos_digester_update (self->digester, buffer, n);
  return n;
}

static void
digest_stream_finalize (GObject *object)
{
  SkoposDigestInputStream *self = SKOPOS_DIGEST_INPUT_STREAM (object);

  skopos_digester_free (self->digester);
  g_free (self->expected_digest);
  g_free (self->final_digest);
  G_OBJECT_CLASS (_skopos_digest_input_stream_parent_class)->finalize (object);
}

static void
_skopos_digest_input_stream_class_init (SkoposDigestInputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = digest_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = digest_stream_read;
  /* The default skip would bypass read_fn and so the hash. */
  G_INPUT_STREAM_CLASS (klass)->skip = NULL;
}

static void
_skopos_digest_input_stream_init (SkoposDigestInputStream *self)
{
  self->expected_size = -1;
}

GInputStream *
skopos_digest_input_stream_new (GInputStream *base, const char *expected_digest,
                                gint64 expected_size)
{
  g_return_val_if_fail (G_IS_INPUT_STREAM (base), NULL);

  g_autofree char *algorithm = expected_digest ? skopos_digest_dup_algorithm (expected_digest)
                                               : g_strdup ("sha256");
  g_return_val_if_fail (algorithm != NULL, NULL);

  SkoposDigestInputStream *self = g_object_new (SKOPOS_TYPE_DIGEST_INPUT_STREAM,
                                                "base-stream", base, NULL);
  self->digester = skopos_digester_new (algorithm);
  self->expected_digest = g_strdup (expected_digest);
  self->expected_size = expected_size;
  return G_INPUT_STREAM (self);
}

const char *
skopos_digest_input_stream_get_digest (GInputStream *stream)
{
  g_return_val_if_fail (SKOPOS_IS_DIGEST_INPUT_STREAM (stream), NULL);

  /* Only a stream that reached its end and passed its checks has a digest: the core
   * relies on this to refuse a blob whose failing last read was swallowed. */
  SkoposDigestInputStream *self = SKOPOS_DIGEST_INPUT_STREAM (stream);
  return self->verified ? self->final_digest : NULL;
}

gint64
skopos_digest_input_stream_get_bytes_read (GInputStream *stream)
{
  g_return_val_if_fail (SKOPOS_IS_DIGEST_INPUT_STREAM (stream), -1);
  return SKOPOS_DIGEST_INPUT_STREAM (stream)->bytes_read;
}
