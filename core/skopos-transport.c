/* skopos-transport.c: image references, sources and destinations: the core's side of
 * every transport call.
 *
 * Each object pairs a loaded transport with the handle its module allocated. The
 * wrappers are where the core enforces what no transport may get wrong:
 *   - digests are validated before a module sees them, so none can be used to
 *     escape a folder;
 *   - blobs read from a source and blobs given to a destination pass through a
 *     stream that checks digest and size, and a destination that returns success
 *     without having read its blob to the end is treated as a failure;
 *   - instance manifests must hash to the digest they were asked for;
 *   - an optional operation a module lacks is a SKOPOS_ERROR_NOT_SUPPORTED error
 *     naming the transport;
 *   - a destination accepts nothing after commit, and one released without commit
 *     is discarded by its module.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include <skopos/skopos.h>

#include "skopos-private.h"

/* Configs and manifests are small; anything larger is not one. */
#define MAX_SMALL_BLOB_SIZE (64 * 1024 * 1024)

struct _SkoposImageReference
{
  gatomicrefcount refcount;
  SkoposTransport *transport;
  gpointer handle;
};

struct _SkoposImageSource
{
  gatomicrefcount refcount;
  SkoposImageReference *ref;
  gpointer handle;
};

struct _SkoposImageDestination
{
  gatomicrefcount refcount;
  SkoposImageReference *ref;
  gpointer handle;
  gboolean committed;
};

static gboolean
not_supported (GError **error, SkoposTransport *transport, const char *what)
{
  return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED, "transport '%s' does not support %s",
                       transport->name, what);
}

/* Transports always get a context; an application may pass none. */
static SkoposContext *
context_or_empty (SkoposContext *ctx)
{
  return ctx != NULL ? skopos_context_ref (ctx) : skopos_context_new ();
}

/* ---- references --------------------------------------------------------------- */

SkoposImageReference *
skopos_image_reference_parse (const char *text, GError **error)
{
  g_return_val_if_fail (text != NULL, NULL);

  const char *colon = strchr (text, ':');
  if (colon == NULL || colon == text)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                    "invalid image name '%s', expected colon-separated transport:reference",
                    text);
      return NULL;
    }

  g_autofree char *name = g_strndup (text, colon - text);
  SkoposTransport *transport = skopos_transport_lookup (name, error);
  if (transport == NULL)
    return NULL;

  gpointer handle = NULL;
  g_autoptr (GError) local_error = NULL;
  if (!transport->desc.parse_reference (colon + 1, &handle, &local_error))
    {
      if (local_error == NULL)
        local_error = g_error_new (SKOPOS_ERROR, SKOPOS_ERROR_INVALID_REFERENCE, "not valid");
      g_prefix_error (&local_error, "invalid image name '%s': ", text);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  SkoposImageReference *ref = g_new0 (SkoposImageReference, 1);
  g_atomic_ref_count_init (&ref->refcount);
  ref->transport = transport;
  ref->handle = handle;
  return ref;
}

SkoposImageReference *
skopos_image_reference_ref (SkoposImageReference *ref)
{
  g_atomic_ref_count_inc (&ref->refcount);
  return ref;
}

void
skopos_image_reference_unref (SkoposImageReference *ref)
{
  if (ref == NULL || !g_atomic_ref_count_dec (&ref->refcount))
    return;
  ref->transport->reference_ops.free (ref->handle);
  g_free (ref);
}

SkoposTransport *
skopos_image_reference_get_transport (SkoposImageReference *ref)
{
  return ref->transport;
}

char *
skopos_image_reference_dup_within_transport (SkoposImageReference *ref)
{
  return ref->transport->reference_ops.to_string (ref->handle);
}

char *
skopos_image_reference_to_string (SkoposImageReference *ref)
{
  g_autofree char *within = skopos_image_reference_dup_within_transport (ref);
  return g_strconcat (ref->transport->name, ":", within, NULL);
}

char *
skopos_image_reference_dup_docker_reference (SkoposImageReference *ref)
{
  if (ref->transport->reference_ops.docker_reference == NULL)
    return NULL;
  return ref->transport->reference_ops.docker_reference (ref->handle);
}

char *
skopos_image_reference_dup_policy_identity (SkoposImageReference *ref)
{
  return ref->transport->reference_ops.policy_identity (ref->handle);
}

SkoposImageSource *
skopos_image_reference_open_source (SkoposImageReference *ref, SkoposContext *ctx,
                                    GCancellable *cancellable, GError **error)
{
  SkoposTransport *transport = ref->transport;
  if (!(transport->desc.flags & SKOPOS_TRANSPORT_CAN_READ))
    {
      not_supported (error, transport, "reading images");
      return NULL;
    }

  g_autoptr (SkoposContext) context = context_or_empty (ctx);
  gpointer handle = NULL;
  if (!transport->reference_ops.open_source (ref->handle, context, cancellable, &handle,
                                             error))
    return NULL;

  SkoposImageSource *src = g_new0 (SkoposImageSource, 1);
  g_atomic_ref_count_init (&src->refcount);
  src->ref = skopos_image_reference_ref (ref);
  src->handle = handle;
  return src;
}

SkoposImageDestination *
skopos_image_reference_open_destination (SkoposImageReference *ref, SkoposContext *ctx,
                                         GCancellable *cancellable, GError **error)
{
  SkoposTransport *transport = ref->transport;
  if (!(transport->desc.flags & SKOPOS_TRANSPORT_CAN_WRITE))
    {
      not_supported (error, transport, "writing images");
      return NULL;
    }

  g_autoptr (SkoposContext) context = context_or_empty (ctx);
  gpointer handle = NULL;
  if (!transport->reference_ops.open_destination (ref->handle, context, cancellable,
                                                  &handle, error))
    return NULL;

  SkoposImageDestination *dest = g_new0 (SkoposImageDestination, 1);
  g_atomic_ref_count_init (&dest->refcount);
  dest->ref = skopos_image_reference_ref (ref);
  dest->handle = handle;
  return dest;
}

gboolean
skopos_image_reference_delete (SkoposImageReference *ref, SkoposContext *ctx,
                               GCancellable *cancellable, GError **error)
{
  SkoposTransport *transport = ref->transport;
  if (!(transport->desc.flags & SKOPOS_TRANSPORT_CAN_DELETE)
      || transport->reference_ops.delete_image == NULL)
    return not_supported (error, transport, "deleting images");

  g_autoptr (SkoposContext) context = context_or_empty (ctx);
  return transport->reference_ops.delete_image (ref->handle, context, cancellable,
                                                error);
}

GPtrArray *
skopos_image_reference_list_tags (SkoposImageReference *ref, SkoposContext *ctx,
                                  GCancellable *cancellable, GError **error)
{
  SkoposTransport *transport = ref->transport;
  if (!(transport->desc.flags & SKOPOS_TRANSPORT_CAN_LIST_TAGS)
      || transport->desc.list_tags == NULL)
    {
      not_supported (error, transport, "listing tags");
      return NULL;
    }

  g_autoptr (SkoposContext) context = context_or_empty (ctx);
  GPtrArray *tags = NULL;
  if (!transport->desc.list_tags (ref->handle, context, cancellable, &tags, error))
    return NULL;
  return tags ? tags : g_ptr_array_new_with_free_func (g_free);
}

gboolean
skopos_transport_check_credentials (SkoposTransport *transport, const char *registry,
                                    const char *username, const char *password,
                                    SkoposContext *ctx, GCancellable *cancellable,
                                    GError **error)
{
  if (!(transport->desc.flags & SKOPOS_TRANSPORT_CAN_CHECK_CREDENTIALS)
      || transport->desc.check_credentials == NULL)
    return not_supported (error, transport, "checking credentials");

  g_autoptr (SkoposContext) context = context_or_empty (ctx);
  return transport->desc.check_credentials (registry, username, password, context,
                                            cancellable, error);
}

/* ---- sources ------------------------------------------------------------------ */

SkoposImageSource *
skopos_image_source_ref (SkoposImageSource *src)
{
  g_atomic_ref_count_inc (&src->refcount);
  return src;
}

void
skopos_image_source_unref (SkoposImageSource *src)
{
  if (src == NULL || !g_atomic_ref_count_dec (&src->refcount))
    return;
  src->ref->transport->source_ops.free (src->handle);
  skopos_image_reference_unref (src->ref);
  g_free (src);
}

SkoposImageReference *
skopos_image_source_get_reference (SkoposImageSource *src)
{
  return src->ref;
}

gboolean
skopos_image_source_get_manifest (SkoposImageSource *src, const char *instance_digest,
                                  GBytes **out_manifest, char **out_media_type,
                                  GCancellable *cancellable, GError **error)
{
  if (instance_digest != NULL && !skopos_digest_validate (instance_digest, error))
    return FALSE;

  g_autoptr (GBytes) manifest = NULL;
  g_autofree char *media_type = NULL;
  if (!src->ref->transport->source_ops.get_manifest (src->handle, instance_digest, &manifest,
                                                     &media_type, cancellable, error))
    return FALSE;

  if (manifest == NULL)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "transport '%s' returned no manifest",
                         src->ref->transport->name);

  if (instance_digest != NULL && !skopos_manifest_matches_digest (manifest, instance_digest))
    return skopos_throw (error, SKOPOS_ERROR_DIGEST_MISMATCH,
                         "manifest %s does not match its digest", instance_digest);

  if (media_type == NULL || *media_type == '\0')
    {
      g_free (media_type);
      media_type = skopos_manifest_guess_media_type (manifest);
    }

  *out_manifest = g_steal_pointer (&manifest);
  if (out_media_type != NULL)
    *out_media_type = g_steal_pointer (&media_type);
  return TRUE;
}

GInputStream *
skopos_image_source_get_blob (SkoposImageSource *src, const char *digest, gint64 size,
                              const char *media_type, const char *const *urls, gint64 *out_size,
                              GCancellable *cancellable, GError **error)
{
  if (!skopos_digest_validate (digest, error))
    return NULL;

  SkoposBlobInfo info = {
    .digest = digest,
    .size = size,
    .media_type = media_type,
    .urls = urls,
  };
  g_autoptr (GInputStream) raw = NULL;
  gint64 reported_size = -1;
  if (!src->ref->transport->source_ops.get_blob (src->handle, &info, &raw, &reported_size,
                                                 cancellable, error))
    return NULL;
  if (raw == NULL)
    {
      skopos_throw (error, SKOPOS_ERROR_FAILED, "transport '%s' returned no stream for blob %s",
                    src->ref->transport->name, digest);
      return NULL;
    }

  gint64 expected = size >= 0 ? size : reported_size;
  if (size >= 0 && reported_size >= 0 && size != reported_size)
    {
      skopos_throw (error, SKOPOS_ERROR_SIZE_MISMATCH,
                    "blob %s has %" G_GINT64_FORMAT
                    " bytes, but the manifest says %" G_GINT64_FORMAT,
                    digest, reported_size, size);
      return NULL;
    }

  if (out_size != NULL)
    *out_size = expected;
  return skopos_digest_input_stream_new (raw, digest, expected);
}

GBytes *
skopos_image_source_read_blob (SkoposImageSource *src, const char *digest, gint64 size,
                               GCancellable *cancellable, GError **error)
{
  if (size > MAX_SMALL_BLOB_SIZE)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "blob %s is too large to read whole (%"
                    G_GINT64_FORMAT " bytes)", digest, size);
      return NULL;
    }

  g_autoptr (GInputStream) stream = skopos_image_source_get_blob (src, digest, size, NULL, NULL,
                                                                  NULL, cancellable, error);
  if (stream == NULL)
    return NULL;

  /* Read in steps, so that a source that does not say the size cannot make us hold
   * an unbounded "config" in memory. */
  g_autoptr (GByteArray) data = g_byte_array_new ();
  guint8 buffer[16384];
  gssize n;
  while ((n = g_input_stream_read (stream, buffer, sizeof buffer, cancellable, error)) > 0)
    {
      if (data->len + (gsize) n > MAX_SMALL_BLOB_SIZE)
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                        "blob %s is too large to read whole (over %d bytes)", digest,
                        MAX_SMALL_BLOB_SIZE);
          return NULL;
        }
      g_byte_array_append (data, buffer, n);
    }
  if (n < 0)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

GPtrArray *
skopos_image_source_get_signatures (SkoposImageSource *src, const char *instance_digest,
                                    GCancellable *cancellable, GError **error)
{
  SkoposTransport *transport = src->ref->transport;
  if (transport->source_ops.get_signatures == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  GPtrArray *signatures = NULL;
  if (!transport->source_ops.get_signatures (src->handle, instance_digest, &signatures,
                                             cancellable, error))
    return NULL;
  return signatures ? signatures : g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

/* ---- destinations ------------------------------------------------------------- */

SkoposImageDestination *
skopos_image_destination_ref (SkoposImageDestination *dest)
{
  g_atomic_ref_count_inc (&dest->refcount);
  return dest;
}

void
skopos_image_destination_unref (SkoposImageDestination *dest)
{
  if (dest == NULL || !g_atomic_ref_count_dec (&dest->refcount))
    return;
  if (!dest->committed)
    g_debug ("discarding uncommitted destination '%s'", dest->ref->transport->name);
  dest->ref->transport->destination_ops.free (dest->handle);
  skopos_image_reference_unref (dest->ref);
  g_free (dest);
}

SkoposImageReference *
skopos_image_destination_get_reference (SkoposImageDestination *dest)
{
  return dest->ref;
}

static const SkoposDestinationOps *
dest_ops (SkoposImageDestination *dest)
{
  return &dest->ref->transport->destination_ops;
}

static gboolean
check_not_committed (SkoposImageDestination *dest, GError **error)
{
  if (dest->committed)
    return skopos_throw (error, SKOPOS_ERROR_FAILED,
                         "destination '%s' was already committed", dest->ref->transport->name);
  return TRUE;
}

const char *const *
skopos_image_destination_get_supported_manifest_types (SkoposImageDestination *dest)
{
  if (dest_ops (dest)->supported_manifest_types == NULL)
    return NULL;
  return dest_ops (dest)->supported_manifest_types (dest->handle);
}

gboolean
skopos_image_destination_supports_lists (SkoposImageDestination *dest)
{
  const char *const *types = skopos_image_destination_get_supported_manifest_types (dest);
  if (types == NULL)
    return TRUE;
  for (; *types != NULL; types++)
    if (skopos_media_type_is_list (*types))
      return TRUE;
  return FALSE;
}

int
skopos_image_destination_get_desired_layer_compression (SkoposImageDestination *dest)
{
  if (dest_ops (dest)->desired_layer_compression == NULL)
    return SKOPOS_LAYER_COMPRESSION_PRESERVE;
  return dest_ops (dest)->desired_layer_compression (dest->handle);
}

gboolean
skopos_image_destination_accepts_foreign_layers (SkoposImageDestination *dest)
{
  if (dest_ops (dest)->accepts_foreign_layers == NULL)
    return FALSE;
  return dest_ops (dest)->accepts_foreign_layers (dest->handle);
}

gboolean
skopos_image_destination_supports_signatures (SkoposImageDestination *dest)
{
  return (dest->ref->transport->desc.flags & SKOPOS_TRANSPORT_HAS_SIGNATURES)
         && dest_ops (dest)->put_signatures != NULL;
}

gboolean
skopos_image_destination_put_blob (SkoposImageDestination *dest, GInputStream *stream,
                                   const char *digest, gint64 size, const char *media_type,
                                   gboolean is_config, const char *source_docker_reference,
                                   GCancellable *cancellable, GError **error)
{
  if (!check_not_committed (dest, error) || !skopos_digest_validate (digest, error))
    return FALSE;

  g_autoptr (GInputStream) verified = skopos_digest_input_stream_new (stream, digest, size);
  SkoposBlobInfo info = {
    .digest = digest,
    .size = size,
    .media_type = media_type,
    .source_docker_reference = source_docker_reference,
    .is_config = is_config,
  };
  if (!dest_ops (dest)->put_blob (dest->handle, verified, &info, cancellable, error))
    return FALSE;

  /* Success without reaching the end would mean the bytes kept were never checked. */
  if (skopos_digest_input_stream_get_digest (verified) == NULL)
    return skopos_throw (error, SKOPOS_ERROR_FAILED,
                         "transport '%s' stored blob %s without reading it to the end",
                         dest->ref->transport->name, digest);
  return TRUE;
}

gboolean
skopos_image_destination_try_reusing_blob (SkoposImageDestination *dest, const char *digest,
                                           gint64 size, const char *media_type,
                                           gboolean is_config,
                                           const char *source_docker_reference,
                                           gboolean *out_reused, GCancellable *cancellable,
                                           GError **error)
{
  *out_reused = FALSE;
  if (!check_not_committed (dest, error) || !skopos_digest_validate (digest, error))
    return FALSE;
  if (dest_ops (dest)->try_reusing_blob == NULL)
    return TRUE;

  SkoposBlobInfo info = {
    .digest = digest,
    .size = size,
    .media_type = media_type,
    .source_docker_reference = source_docker_reference,
    .is_config = is_config,
  };
  gint64 found_size = -1;
  gboolean reused = FALSE;
  if (!dest_ops (dest)->try_reusing_blob (dest->handle, &info, &reused, &found_size, cancellable,
                                          error))
    return FALSE;

  if (reused && size >= 0 && found_size >= 0 && found_size != size)
    {
      g_debug ("blob %s exists with %" G_GINT64_FORMAT " bytes, not %" G_GINT64_FORMAT
               "; copying it again", digest, found_size, size);
      reused = FALSE;
    }
  *out_reused = reused;
  return TRUE;
}

gboolean
skopos_image_destination_put_manifest (SkoposImageDestination *dest, GBytes *manifest,
                                       const char *media_type, const char *instance_digest,
                                       GCancellable *cancellable, GError **error)
{
  if (!check_not_committed (dest, error))
    return FALSE;
  if (instance_digest != NULL && !skopos_digest_validate (instance_digest, error))
    return FALSE;
  return dest_ops (dest)->put_manifest (dest->handle, manifest, media_type, instance_digest,
                                        cancellable, error);
}

gboolean
skopos_image_destination_put_signatures (SkoposImageDestination *dest, GPtrArray *signatures,
                                         const char *instance_digest, GCancellable *cancellable,
                                         GError **error)
{
  if (!check_not_committed (dest, error))
    return FALSE;
  if (signatures == NULL || signatures->len == 0)
    return TRUE;
  if (!skopos_image_destination_supports_signatures (dest))
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "transport '%s' cannot store signatures; use --remove-signatures to "
                         "copy without them",
                         dest->ref->transport->name);
  return dest_ops (dest)->put_signatures (dest->handle, signatures, instance_digest, cancellable,
                                          error);
}

gboolean
skopos_image_destination_commit (SkoposImageDestination *dest, GCancellable *cancellable,
                                 GError **error)
{
  if (!check_not_committed (dest, error))
    return FALSE;
  if (!dest_ops (dest)->commit (dest->handle, cancellable, error))
    return FALSE;
  dest->committed = TRUE;
  return TRUE;
}
