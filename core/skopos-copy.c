/* skopos-copy.c: the copy engine, shared by every transport.
 *
 * Steps, each a function below:
 *   1. the policy decides whether the source may be copied at all;
 *   2. the source's top-level manifest is read; a list is narrowed to the instance
 *      for the platform, or copied whole (--all), or alone (index-only);
 *   3. for each image: the destination manifest type is chosen from what the
 *      destination accepts (converting Docker schema 2 <-> OCI only when needed);
 *      the config and layers are copied, skipping what the destination has, and
 *      compressed or decompressed when the destination or the user asks;
 *   4. every manifest is written after the blobs it names, the top-level one last,
 *      then signatures; the destination is committed only when all succeeded.
 * On any failure the destination is released without commit, which a transport must
 * turn into "nothing changed".
 *
 * Blobs stream through the core's verifying streams (skopos-transport.c): a bad
 * digest or size fails the copy before the destination keeps the blob. A layer whose
 * compression changes is first spooled to a temporary file, so that its new digest
 * is known before the destination sees it; the source's digest is still checked on
 * the way.
 *
 * Layers are copied several at a time when both transports say their blob calls are
 * thread-safe; otherwise one after another.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <string.h>

#include <skopos/skopos.h>
#include <skopos/skopos-transport-plugin.h>

#define PARALLEL_LAYER_COPIES 4

struct _SkoposCopyOptions
{
  SkoposContext *source_ctx;
  SkoposContext *destination_ctx;
  SkoposCopyMultiArch multi_arch;
  char *manifest_type;
  int layer_compression; /* -1: as the destination wants */
  gboolean preserve_digests;
  gboolean remove_signatures;
  guint retry_times;
  SkoposCopyProgressFunc progress;
  gpointer progress_data;
};

/* Everything one copy run shares. */
typedef struct
{
  SkoposCopyOptions *options;
  SkoposImageSource *src;
  SkoposImageDestination *dest;
  SkoposPlatform *platform;
  char *source_docker_name; /* the source repository, a hint for mounts */
  gboolean keep_layers;     /* the image being copied must keep its manifest as it is */
  GCancellable *cancellable;
  GMutex progress_lock;
} CopyRun;

/* What writing one manifest produced. */
typedef struct
{
  char *digest;
  gint64 size;
  char *media_type;
} WrittenManifest;

static void
written_manifest_clear (WrittenManifest *w)
{
  g_clear_pointer (&w->digest, g_free);
  g_clear_pointer (&w->media_type, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WrittenManifest, written_manifest_clear)

/* ---- options ------------------------------------------------------------------ */

SkoposCopyOptions *
skopos_copy_options_new (void)
{
  SkoposCopyOptions *options = g_new0 (SkoposCopyOptions, 1);
  options->source_ctx = skopos_context_new ();
  options->destination_ctx = skopos_context_new ();
  options->multi_arch = SKOPOS_COPY_SYSTEM;
  options->layer_compression = -1;
  return options;
}

void
skopos_copy_options_free (SkoposCopyOptions *options)
{
  if (options == NULL)
    return;
  g_clear_pointer (&options->source_ctx, skopos_context_unref);
  g_clear_pointer (&options->destination_ctx, skopos_context_unref);
  g_free (options->manifest_type);
  g_free (options);
}

void
skopos_copy_options_set_source_context (SkoposCopyOptions *options, SkoposContext *ctx)
{
  g_clear_pointer (&options->source_ctx, skopos_context_unref);
  options->source_ctx = ctx ? skopos_context_ref (ctx) : skopos_context_new ();
}

void
skopos_copy_options_set_destination_context (SkoposCopyOptions *options, SkoposContext *ctx)
{
  g_clear_pointer (&options->destination_ctx, skopos_context_unref);
  options->destination_ctx = ctx ? skopos_context_ref (ctx) : skopos_context_new ();
}

void
skopos_copy_options_set_multi_arch (SkoposCopyOptions *options, SkoposCopyMultiArch mode)
{
  options->multi_arch = mode;
}

void
skopos_copy_options_set_manifest_type (SkoposCopyOptions *options, const char *media_type)
{
  g_free (options->manifest_type);
  options->manifest_type = g_strdup (media_type);
}

void
skopos_copy_options_set_layer_compression (SkoposCopyOptions *options, int policy)
{
  options->layer_compression = policy;
}

void
skopos_copy_options_set_preserve_digests (SkoposCopyOptions *options, gboolean preserve)
{
  options->preserve_digests = preserve;
}

void
skopos_copy_options_set_remove_signatures (SkoposCopyOptions *options, gboolean remove)
{
  options->remove_signatures = remove;
}

void
skopos_copy_options_set_retry_times (SkoposCopyOptions *options, guint times)
{
  options->retry_times = times;
}

void
skopos_copy_options_set_progress (SkoposCopyOptions *options, SkoposCopyProgressFunc func,
                                  gpointer user_data)
{
  options->progress = func;
  options->progress_data = user_data;
}

static void
report (CopyRun *run, SkoposCopyEvent event, const char *subject)
{
  if (run->options->progress == NULL)
    return;
  g_mutex_lock (&run->progress_lock);
  run->options->progress (event, subject, run->options->progress_data);
  g_mutex_unlock (&run->progress_lock);
}

/* ---- manifest type ------------------------------------------------------------ */

static gboolean
type_in (const char *const *types, const char *type)
{
  return types == NULL || g_strv_contains (types, type);
}

/* The list type of the family of @image_type (NULL for schema 1, which has none). */
static const char *
list_type_for (const char *image_type)
{
  if (g_strcmp0 (image_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S2) == 0)
    return SKOPOS_MEDIA_TYPE_DOCKER_V2_LIST;
  if (g_strcmp0 (image_type, SKOPOS_MEDIA_TYPE_OCI_MANIFEST) == 0)
    return SKOPOS_MEDIA_TYPE_OCI_INDEX;
  return NULL;
}

/* The media type the destination gets for @manifest. */
static char *
choose_manifest_type (CopyRun *run, const SkoposManifest *manifest, GError **error)
{
  const char *const *supported = skopos_image_destination_get_supported_manifest_types (run->dest);
  const char *wanted = run->options->manifest_type;
  if (wanted != NULL && manifest->is_list)
    wanted = list_type_for (wanted);

  /* A forced format (--format) overrides what the destination lists, as in skopeo:
   * the user knows the destination takes it. */
  if (wanted != NULL)
    {
      if (g_strcmp0 (wanted, manifest->media_type) != 0
          && !skopos_manifest_can_convert (manifest, wanted, error))
        return NULL;
      return g_strdup (wanted);
    }

  if (type_in (supported, manifest->media_type))
    return g_strdup (manifest->media_type);

  g_autoptr (GError) first_error = NULL;
  for (const char *const *t = supported; *t != NULL; t++)
    {
      if (skopos_media_type_is_list (*t) != manifest->is_list)
        continue;
      g_autoptr (GError) local_error = NULL;
      if (skopos_manifest_can_convert (manifest, *t, &local_error))
        return g_strdup (*t);
      if (first_error == NULL)
        first_error = g_steal_pointer (&local_error);
    }

  if (first_error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&first_error),
                                  "the destination does not accept %s and it cannot be converted: ",
                                  manifest->media_type);
      return NULL;
    }
  skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                "the destination does not accept manifest type %s", manifest->media_type);
  return NULL;
}

/* ---- blobs -------------------------------------------------------------------- */

/* Reads what is left of @stream, so a verifying stream checks its digest even when
 * a decompressor stopped before the end. */
static gboolean
drain (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  char buffer[8192];
  gssize n;
  while ((n = g_input_stream_read (stream, buffer, sizeof buffer, cancellable, error)) > 0)
    ;
  return n == 0;
}

static gboolean
copy_blob_as_is (CopyRun *run, const SkoposDescriptor *desc, gboolean is_config, GError **error)
{
  gboolean reused = FALSE;
  if (!skopos_image_destination_try_reusing_blob (run->dest, desc->digest, desc->size,
                                                  desc->media_type, is_config,
                                                  run->source_docker_name, &reused,
                                                  run->cancellable, error))
    return FALSE;
  if (reused)
    {
      g_debug ("blob %s: the destination has it", desc->digest);
      report (run, is_config ? SKOPOS_COPY_EVENT_SKIPPED_CONFIG : SKOPOS_COPY_EVENT_SKIPPED_BLOB,
              desc->digest);
      return TRUE;
    }

  report (run, is_config ? SKOPOS_COPY_EVENT_COPYING_CONFIG : SKOPOS_COPY_EVENT_COPYING_BLOB,
          desc->digest);

  g_autoptr (GInputStream) stream = skopos_image_source_get_blob (
      run->src, desc->digest, desc->size, desc->media_type, (const char *const *) desc->urls, NULL,
      run->cancellable, error);
  if (stream == NULL)
    return FALSE;

  if (!skopos_image_destination_put_blob (run->dest, stream, desc->digest, desc->size,
                                          desc->media_type, is_config, run->source_docker_name,
                                          run->cancellable, error))
    return FALSE;

  report (run, SKOPOS_COPY_EVENT_BLOB_DONE, desc->digest);
  return TRUE;
}

/* Copies a layer through a compression change; @out_desc gets its new identity. */
static gboolean
copy_blob_recompressed (CopyRun *run, const SkoposDescriptor *desc, SkoposCompression from,
                        SkoposCompression to, SkoposDescriptor **out_desc, GError **error)
{
  g_autofree char *new_type = skopos_media_type_with_compression (desc->media_type, to);
  if (new_type == NULL)
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "layer %s (%s) cannot be stored with %s compression", desc->digest,
                         desc->media_type, skopos_compression_to_string (to));

  report (run, SKOPOS_COPY_EVENT_COPYING_BLOB, desc->digest);

  g_autoptr (GInputStream) source = skopos_image_source_get_blob (
      run->src, desc->digest, desc->size, desc->media_type, NULL, NULL, run->cancellable, error);
  if (source == NULL)
    return FALSE;

  /* The bytes decide, not the media type: a layer labelled gzip that is not
   * compressed is passed through, as skopeo does. */
  g_autoptr (GInputStream) plain = from == SKOPOS_COMPRESSION_NONE
                                       ? g_object_ref (source)
                                       : skopos_compression_auto_decompress_stream (
                                           source, run->cancellable, error);
  if (plain == NULL)
    return FALSE;
  gint64 level = skopos_context_get_int (run->options->destination_ctx,
                                         SKOPOS_CONTEXT_COMPRESSION_LEVEL, -1);
  g_autoptr (GInputStream) converted = skopos_compression_compress_stream_with_level (
      plain, to, (int) level, error);
  if (converted == NULL)
    return FALSE;
  g_autoptr (GInputStream) measured = skopos_digest_input_stream_new (converted, NULL, -1);

  const char *tmpdir = skopos_context_get_tmpdir (run->options->destination_ctx);
  gint64 new_size = 0;
  g_autofree char *tmp_path = skopos_stream_to_temp_file (measured, tmpdir, &new_size,
                                                          run->cancellable, error);
  if (tmp_path == NULL)
    {
      /* Corrupt bytes usually make the decompressor fail before the source's own
       * check runs; reading the rest tells whether the blob was simply bad, which is
       * what the user needs to hear. */
      g_autoptr (GError) source_error = NULL;
      if (!drain (source, run->cancellable, &source_error)
          && (g_error_matches (source_error, SKOPOS_ERROR, SKOPOS_ERROR_DIGEST_MISMATCH)
              || g_error_matches (source_error, SKOPOS_ERROR, SKOPOS_ERROR_SIZE_MISMATCH)))
        {
          g_clear_error (error);
          g_propagate_error (error, g_steal_pointer (&source_error));
          return FALSE;
        }
      if (error != NULL && g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
        {
          g_clear_error (error);
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "its compressed data is truncated");
        }
      return skopos_prefix_error (error, "%s layer %s: ",
                                  to == SKOPOS_COMPRESSION_NONE ? "Decompressing"
                                  : from == SKOPOS_COMPRESSION_NONE ? "Compressing"
                                                                    : "Recompressing",
                                  desc->digest);
    }

  gboolean ok = drain (source, run->cancellable, error);
  g_autofree char *new_digest = g_strdup (skopos_digest_input_stream_get_digest (measured));

  gboolean reused = FALSE;
  if (ok)
    ok = skopos_image_destination_try_reusing_blob (run->dest, new_digest, new_size, new_type,
                                                    FALSE, NULL, &reused, run->cancellable,
                                                    error);
  if (ok && !reused)
    {
      g_autoptr (GFile) file = g_file_new_for_path (tmp_path);
      g_autoptr (GFileInputStream) spooled = g_file_read (file, run->cancellable, error);
      ok = spooled != NULL
           && skopos_image_destination_put_blob (run->dest, G_INPUT_STREAM (spooled), new_digest,
                                                 new_size, new_type, FALSE, NULL,
                                                 run->cancellable, error);
    }
  (void) g_unlink (tmp_path);
  if (!ok)
    return FALSE;

  SkoposDescriptor *updated = skopos_descriptor_copy (desc);
  g_free (updated->media_type);
  updated->media_type = g_steal_pointer (&new_type);
  g_free (updated->digest);
  updated->digest = g_steal_pointer (&new_digest);
  updated->size = new_size;
  *out_desc = updated;
  report (run, SKOPOS_COPY_EVENT_BLOB_DONE, desc->digest);
  return TRUE;
}

/* The compression a layer should end up with, given the destination and options. */
static SkoposCompression
wanted_compression (CopyRun *run, SkoposCompression current)
{
  /* --preserve-digests, or signatures that a changed manifest would invalidate, keep
   * every layer as it is, whatever the destination would prefer, as skopeo does. */
  if (run->options->preserve_digests || run->keep_layers)
    return current;

  SkoposContext *ctx = run->options->destination_ctx;
  SkoposCompression format = skopos_compression_from_string (
      skopos_context_get_string (ctx, SKOPOS_CONTEXT_COMPRESSION_FORMAT));
  if (format == SKOPOS_COMPRESSION_UNKNOWN)
    format = SKOPOS_COMPRESSION_GZIP;
  gboolean force = skopos_context_get_boolean (ctx, SKOPOS_CONTEXT_FORCE_COMPRESSION_FORMAT, FALSE);

  int policy = run->options->layer_compression;
  if (policy < 0)
    policy = skopos_image_destination_get_desired_layer_compression (run->dest);

  switch (policy)
    {
    case SKOPOS_LAYER_COMPRESSION_COMPRESS:
      if (current == SKOPOS_COMPRESSION_NONE || (force && current != format))
        return format;
      return current;
    case SKOPOS_LAYER_COMPRESSION_DECOMPRESS:
      return SKOPOS_COMPRESSION_NONE;
    default:
      /* A forced format applies to every compressed layer, as in skopeo. */
      if (force && current != SKOPOS_COMPRESSION_NONE && current != format)
        return format;
      return current;
    }
}

typedef struct
{
  CopyRun *run;
  SkoposManifest *manifest; /* layers replaced in place (under lock) */
  GMutex lock;
  gint next;
  GError *error;
} LayerJob;

static gboolean
copy_layer (CopyRun *run, SkoposManifest *manifest, guint index, GMutex *lock, GError **error)
{
  const SkoposDescriptor *desc = manifest->layers->pdata[index];

  if (desc->urls != NULL && desc->urls[0] != NULL
      && !skopos_image_destination_accepts_foreign_layers (run->dest))
    {
      g_debug ("layer %s is foreign; the destination refers to it by URL", desc->digest);
      return TRUE;
    }

  SkoposCompression current = skopos_media_type_get_compression (desc->media_type);
  SkoposCompression wanted = current == SKOPOS_COMPRESSION_UNKNOWN
                                 ? current
                                 : wanted_compression (run, current);
  if (wanted == current)
    return copy_blob_as_is (run, desc, FALSE, error);

  g_autoptr (SkoposDescriptor) updated = NULL;
  if (!copy_blob_recompressed (run, desc, current, wanted, &updated, error))
    return FALSE;

  g_mutex_lock (lock);
  skopos_manifest_set_layer (manifest, index, updated);
  g_mutex_unlock (lock);
  return TRUE;
}

static gpointer
layer_worker (gpointer data)
{
  LayerJob *job = data;
  for (;;)
    {
      g_mutex_lock (&job->lock);
      gboolean stop = job->error != NULL;
      g_mutex_unlock (&job->lock);
      if (stop)
        break;

      gint index = g_atomic_int_add (&job->next, 1);
      if ((guint) index >= job->manifest->layers->len)
        break;

      g_autoptr (GError) local_error = NULL;
      if (!copy_layer (job->run, job->manifest, index, &job->lock, &local_error))
        {
          g_mutex_lock (&job->lock);
          if (job->error == NULL)
            job->error = g_steal_pointer (&local_error);
          g_mutex_unlock (&job->lock);
          g_cancellable_cancel (job->run->cancellable);
          break;
        }
    }
  return NULL;
}

static gboolean
transports_allow_parallel_blobs (CopyRun *run)
{
  guint src_flags = skopos_transport_get_flags (
      skopos_image_reference_get_transport (skopos_image_source_get_reference (run->src)));
  guint dest_flags = skopos_transport_get_flags (
      skopos_image_reference_get_transport (skopos_image_destination_get_reference (run->dest)));
  return (src_flags & SKOPOS_TRANSPORT_THREADSAFE_GET_BLOB)
         && (dest_flags & SKOPOS_TRANSPORT_THREADSAFE_PUT_BLOB);
}

static gboolean
copy_layers (CopyRun *run, SkoposManifest *manifest, GError **error)
{
  LayerJob job = { .run = run, .manifest = manifest };
  g_mutex_init (&job.lock);

  guint workers = transports_allow_parallel_blobs (run)
                      ? MIN (PARALLEL_LAYER_COPIES, manifest->layers->len)
                      : 1;
  if (workers <= 1)
    layer_worker (&job);
  else
    {
      g_autoptr (GPtrArray) threads = g_ptr_array_new ();
      for (guint i = 0; i < workers; i++)
        g_ptr_array_add (threads, g_thread_new ("skopos-layer", layer_worker, &job));
      for (guint i = 0; i < threads->len; i++)
        g_thread_join (threads->pdata[i]);
    }

  g_mutex_clear (&job.lock);
  if (job.error != NULL)
    {
      g_propagate_error (error, job.error);
      return FALSE;
    }
  return TRUE;
}

/* ---- images ------------------------------------------------------------------- */

/* The signatures to copy (empty with --remove-signatures), read before anything is
 * written: a destination that cannot store them must fail the copy before it
 * publishes anything (a registry's manifest PUT is visible at once). */
static GPtrArray *
read_signatures (CopyRun *run, const char *instance_digest, GError **error)
{
  if (run->options->remove_signatures)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  g_autoptr (GPtrArray) signatures = skopos_image_source_get_signatures (
      run->src, instance_digest, run->cancellable, error);
  if (signatures == NULL)
    return NULL;

  if (signatures->len > 0 && !skopos_image_destination_supports_signatures (run->dest))
    {
      g_autofree char *name = skopos_image_reference_to_string (
          skopos_image_destination_get_reference (run->dest));
      skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                    "the image has signatures, but %s cannot store them; use "
                    "--remove-signatures to copy without them",
                    name);
      return NULL;
    }
  return g_steal_pointer (&signatures);
}

/* Writes @bytes as a manifest and describes what was written. */
static gboolean
put_manifest (CopyRun *run, GBytes *bytes, const char *media_type, gboolean as_instance,
              WrittenManifest *out, GError **error)
{
  /* Nothing reads a stream from here on, so look at the cancellable ourselves: an
   * interrupted copy must not publish a manifest. */
  if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
    return FALSE;

  g_autofree char *digest = skopos_manifest_digest (bytes, error);
  if (digest == NULL)
    return FALSE;

  report (run,
          skopos_media_type_is_list (media_type) ? SKOPOS_COPY_EVENT_WRITING_MANIFEST_LIST
                                                 : SKOPOS_COPY_EVENT_WRITING_MANIFEST,
          as_instance ? digest : NULL);
  if (!skopos_image_destination_put_manifest (run->dest, bytes, media_type,
                                              as_instance ? digest : NULL, run->cancellable,
                                              error))
    return FALSE;

  out->digest = g_steal_pointer (&digest);
  out->size = g_bytes_get_size (bytes);
  out->media_type = g_strdup (media_type);
  return TRUE;
}

/* A copy of @manifest whose layer media types say the compression copy_layer() will
 * give them (only their types: digests are not known yet). */
static SkoposManifest *
project_layer_compression (CopyRun *run, const SkoposManifest *manifest)
{
  SkoposManifest *projected = skopos_manifest_copy (manifest, TRUE);
  if (manifest->layers == NULL || run->options->preserve_digests)
    return projected;

  for (guint i = 0; i < manifest->layers->len; i++)
    {
      const SkoposDescriptor *desc = manifest->layers->pdata[i];
      SkoposCompression current = skopos_media_type_get_compression (desc->media_type);
      if (current == SKOPOS_COMPRESSION_UNKNOWN || wanted_compression (run, current) == current)
        continue;
      g_autofree char *type = skopos_media_type_with_compression (desc->media_type,
                                                                 wanted_compression (run, current));
      if (type == NULL)
        continue;
      g_autoptr (SkoposDescriptor) changed = skopos_descriptor_copy (desc);
      g_free (changed->media_type);
      changed->media_type = g_steal_pointer (&type);
      skopos_manifest_set_layer (projected, i, changed);
    }
  return projected;
}

/* Converts @manifest to @target_type and copies its config, which the conversion
 * may rewrite (Docker schema 2 to OCI keeps only the OCI config fields, as the
 * containers tools do). Returns the serialised manifest. */
static GBytes *
convert_and_copy_config (CopyRun *run, const SkoposManifest *manifest, const char *target_type,
                         GError **error)
{
  g_autoptr (GBytes) config = NULL;
  if (manifest->config != NULL)
    {
      config = skopos_image_source_read_blob (run->src, manifest->config->digest,
                                              manifest->config->size, run->cancellable, error);
      if (config == NULL)
        return NULL;
    }

  g_autoptr (GBytes) new_config = NULL;
  g_autoptr (SkoposManifest) converted = skopos_manifest_convert_with_config (
      manifest, target_type, config, &new_config, error);
  if (converted == NULL)
    return NULL;

  if (new_config == NULL)
    {
      if (manifest->config != NULL && !copy_blob_as_is (run, manifest->config, TRUE, error))
        return NULL;
      return skopos_manifest_serialize (converted, error);
    }

  const SkoposDescriptor *desc = converted->config;
  gboolean reused = FALSE;
  if (!skopos_image_destination_try_reusing_blob (run->dest, desc->digest, desc->size,
                                                  desc->media_type, TRUE, NULL, &reused,
                                                  run->cancellable, error))
    return NULL;
  if (reused)
    report (run, SKOPOS_COPY_EVENT_SKIPPED_CONFIG, desc->digest);
  else
    {
      report (run, SKOPOS_COPY_EVENT_COPYING_CONFIG, desc->digest);
      g_autoptr (GInputStream) stream = g_memory_input_stream_new_from_bytes (new_config);
      if (!skopos_image_destination_put_blob (run->dest, stream, desc->digest, desc->size,
                                              desc->media_type, TRUE, NULL, run->cancellable,
                                              error))
        return NULL;
    }
  return skopos_manifest_serialize (converted, error);
}

/* Copies one image whose manifest is @raw (read with @instance_digest, NULL for the
 * top level). With @as_instance the manifest is written as an instance of a list. */
static gboolean
copy_single_image (CopyRun *run, GBytes *raw, const char *media_type,
                   const char *instance_digest, gboolean as_instance, WrittenManifest *out,
                   GError **error)
{
  report (run, SKOPOS_COPY_EVENT_GETTING_SIGNATURES, NULL);
  g_autoptr (GPtrArray) signatures = read_signatures (run, instance_digest, error);
  if (signatures == NULL)
    return FALSE;

  g_autoptr (SkoposManifest) manifest = skopos_manifest_parse (raw, media_type, error);
  if (manifest == NULL)
    return FALSE;
  run->keep_layers = signatures->len > 0;

  /* The type is chosen for the layers as they will be stored: a zstd layer the
   * destination decompresses does not stop a conversion to Docker schema 2. */
  g_autoptr (SkoposManifest) projected = project_layer_compression (run, manifest);
  g_autofree char *target_type = choose_manifest_type (run, projected, error);
  if (target_type == NULL)
    return FALSE;

  gboolean converting = g_strcmp0 (target_type, manifest->media_type) != 0;
  if (converting && signatures->len > 0)
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "the image has signatures, but the destination needs its manifest "
                         "converted from %s to %s, which would invalidate them; use "
                         "--remove-signatures to copy without them",
                         manifest->media_type, target_type);
  if (converting && run->options->preserve_digests)
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "the manifest would have to be converted from %s to %s, but "
                         "--preserve-digests was given",
                         manifest->media_type, target_type);

  /* Layers first, then the config, as skopeo does. */
  if (!copy_layers (run, manifest, error))
    return FALSE;

  g_autoptr (GBytes) output = NULL;
  if (converting)
    output = convert_and_copy_config (run, manifest, target_type, error);
  else
    {
      if (manifest->config != NULL && !copy_blob_as_is (run, manifest->config, TRUE, error))
        return FALSE;
      /* raw survives only when no layer changed. */
      output = manifest->raw != NULL ? g_bytes_ref (manifest->raw)
                                     : skopos_manifest_serialize (manifest, error);
    }
  if (output == NULL)
    return FALSE;

  gboolean changed = !g_bytes_equal (output, raw);
  if (changed && run->options->preserve_digests)
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "the manifest would have to change (to %s), but --preserve-digests was "
                         "given",
                         target_type);

  if (changed && signatures->len > 0)
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "the image has signatures, but copying it changes its manifest, which "
                         "would invalidate them; use --remove-signatures to copy without them");

  if (!put_manifest (run, output, target_type, as_instance, out, error))
    return FALSE;

  if (signatures->len == 0)
    return TRUE;
  report (run, SKOPOS_COPY_EVENT_STORING_SIGNATURES, NULL);
  return skopos_image_destination_put_signatures (run->dest, signatures,
                                                  as_instance ? out->digest : NULL,
                                                  run->cancellable, error);
}

static gboolean copy_list (CopyRun *run, GBytes *raw, const char *media_type,
                           gboolean as_instance, gboolean with_instances, WrittenManifest *out,
                           GError **error);

/* Reads and copies the instance @desc of a list (which may itself be a list). */
static gboolean
copy_instance (CopyRun *run, const SkoposDescriptor *desc, guint position, guint count,
               WrittenManifest *out, GError **error)
{
  g_autofree char *subject = g_strdup_printf ("%u/%u %s", position, count, desc->digest);
  report (run, SKOPOS_COPY_EVENT_COPYING_INSTANCE, subject);

  g_autoptr (GBytes) raw = NULL;
  g_autofree char *media_type = NULL;
  if (!skopos_image_source_get_manifest (run->src, desc->digest, &raw, &media_type,
                                         run->cancellable, error))
    return FALSE;

  if (skopos_media_type_is_list (media_type))
    return copy_list (run, raw, media_type, TRUE, TRUE, out, error);
  return copy_single_image (run, raw, media_type, desc->digest, TRUE, out, error);
}

static gboolean
copy_list (CopyRun *run, GBytes *raw, const char *media_type, gboolean as_instance,
           gboolean with_instances, WrittenManifest *out, GError **error)
{
  g_autoptr (SkoposManifest) list = skopos_manifest_parse (raw, media_type, error);
  if (list == NULL)
    return FALSE;

  if (!skopos_image_destination_supports_lists (run->dest))
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "the destination cannot store a manifest list; copy one image (without "
                         "--all) instead");

  g_autofree char *target_type = choose_manifest_type (run, list, error);
  if (target_type == NULL)
    return FALSE;

  report (run, SKOPOS_COPY_EVENT_GETTING_LIST_SIGNATURES, NULL);
  if (with_instances)
    {
      g_autofree char *count = g_strdup_printf ("%u", list->manifests->len);
      report (run, SKOPOS_COPY_EVENT_COPYING_LIST, count);
    }

  g_autoptr (SkoposManifest) updated = skopos_manifest_copy (list, TRUE);
  for (guint i = 0; with_instances && i < list->manifests->len; i++)
    {
      const SkoposDescriptor *desc = list->manifests->pdata[i];
      g_auto (WrittenManifest) written = { 0 };
      if (!copy_instance (run, desc, i + 1, list->manifests->len, &written, error))
        return skopos_prefix_error (error, "Copying image %s from the manifest list: ",
                                    desc->digest);

      if (g_strcmp0 (written.digest, desc->digest) != 0
          && !skopos_manifest_list_update_instance (updated, desc->digest, written.digest,
                                                    written.size, written.media_type, error))
        return FALSE;
    }

  g_autoptr (GBytes) output = NULL;
  if (g_strcmp0 (target_type, list->media_type) != 0)
    {
      g_autoptr (SkoposManifest) converted = skopos_manifest_convert (updated, target_type, error);
      if (converted == NULL)
        return FALSE;
      output = skopos_manifest_serialize (converted, error);
    }
  else if (updated->raw != NULL)
    output = g_bytes_ref (updated->raw);
  else
    output = skopos_manifest_serialize (updated, error);
  if (output == NULL)
    return FALSE;

  if (!g_bytes_equal (output, raw) && run->options->preserve_digests)
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "the manifest list would have to change, but --preserve-digests was "
                         "given");

  return put_manifest (run, output, target_type, as_instance, out, error);
}

static gboolean
copy_top_level (CopyRun *run, WrittenManifest *out, GError **error)
{
  g_autoptr (GBytes) raw = NULL;
  g_autofree char *media_type = NULL;
  if (!skopos_image_source_get_manifest (run->src, NULL, &raw, &media_type, run->cancellable,
                                         error))
    return FALSE;

  if (!skopos_media_type_is_list (media_type))
    return copy_single_image (run, raw, media_type, NULL, FALSE, out, error);

  switch (run->options->multi_arch)
    {
    case SKOPOS_COPY_ALL:
      return copy_list (run, raw, media_type, FALSE, TRUE, out, error);
    case SKOPOS_COPY_INDEX_ONLY:
      return copy_list (run, raw, media_type, FALSE, FALSE, out, error);
    case SKOPOS_COPY_SYSTEM:
    default:
      break;
    }

  g_autoptr (SkoposManifest) list = skopos_manifest_parse (raw, media_type, error);
  if (list == NULL)
    return FALSE;
  const SkoposDescriptor *chosen = skopos_manifest_list_choose_instance (list, run->platform,
                                                                         error);
  if (chosen == NULL)
    return FALSE;

  g_debug ("copying instance %s of the manifest list", chosen->digest);
  g_autoptr (GBytes) instance = NULL;
  g_autofree char *instance_type = NULL;
  if (!skopos_image_source_get_manifest (run->src, chosen->digest, &instance, &instance_type,
                                         run->cancellable, error))
    return FALSE;
  if (skopos_media_type_is_list (instance_type))
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "the manifest list's entry for this platform is itself a list; copy it "
                         "with --all");
  return copy_single_image (run, instance, instance_type, chosen->digest, FALSE, out, error);
}

static SkoposPlatform *
platform_for (SkoposContext *ctx)
{
  return skopos_platform_new_for_runtime (
      skopos_context_get_string (ctx, SKOPOS_CONTEXT_OVERRIDE_OS),
      skopos_context_get_string (ctx, SKOPOS_CONTEXT_OVERRIDE_ARCH),
      skopos_context_get_string (ctx, SKOPOS_CONTEXT_OVERRIDE_VARIANT));
}

/* The caller's cancellable fired: stop this run's work too. */
static void
cancel_run (GCancellable *caller_cancellable, gpointer run_cancellable)
{
  g_cancellable_cancel (run_cancellable);
}

static gboolean
copy_once (SkoposImageReference *dest_ref, SkoposImageReference *src_ref,
           SkoposCopyOptions *options, char **out_manifest_digest, GCancellable *cancellable,
           GError **error)
{
  g_autoptr (GCancellable) run_cancellable = g_cancellable_new ();
  gulong handler = 0;
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (cancel_run),
                                     g_object_ref (run_cancellable), g_object_unref);

  CopyRun run = { .options = options, .cancellable = run_cancellable };
  g_mutex_init (&run.progress_lock);
  run.platform = platform_for (options->source_ctx);
  run.source_docker_name = skopos_image_reference_dup_docker_reference (src_ref);

  gboolean ok = FALSE;
  g_auto (WrittenManifest) written = { 0 };
  run.src = skopos_image_reference_open_source (src_ref, options->source_ctx, run_cancellable,
                                                error);
  if (run.src != NULL)
    run.dest = skopos_image_reference_open_destination (dest_ref, options->destination_ctx,
                                                        run_cancellable, error);
  if (run.dest != NULL)
    ok = copy_top_level (&run, &written, error)
         && !g_cancellable_set_error_if_cancelled (run_cancellable, error)
         && skopos_image_destination_commit (run.dest, run_cancellable, error);

  /* Released without commit on failure: the transport discards what was put. */
  g_clear_pointer (&run.dest, skopos_image_destination_unref);
  g_clear_pointer (&run.src, skopos_image_source_unref);
  g_clear_pointer (&run.platform, skopos_platform_free);
  g_free (run.source_docker_name);
  g_mutex_clear (&run.progress_lock);
  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, handler);

  if (ok && out_manifest_digest != NULL)
    *out_manifest_digest = g_steal_pointer (&written.digest);
  return ok;
}

/* Hands the copy's retry count to a context that does not say one itself. */
static void
apply_retry_times (SkoposContext *ctx, guint times)
{
  if (ctx != NULL && times > 0 && !skopos_context_has (ctx, SKOPOS_CONTEXT_RETRY_TIMES))
    skopos_context_set_int (ctx, SKOPOS_CONTEXT_RETRY_TIMES, times);
}

gboolean
skopos_copy_image (SkoposPolicy *policy, SkoposImageReference *dest, SkoposImageReference *src,
                   SkoposCopyOptions *options, char **out_manifest_digest,
                   GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (policy != NULL, FALSE);
  g_return_val_if_fail (dest != NULL && src != NULL, FALSE);

  g_autoptr (SkoposCopyOptions) defaults = options ? NULL : skopos_copy_options_new ();
  if (options == NULL)
    options = defaults;

  if (!skopos_policy_check_image (policy, src, error))
    return FALSE;

  /* Retries happen where failures happen: a transport that talks to a server retries
   * the one request that failed (and resumes a cut-off blob), so the copy itself is
   * not run again; running it again as well would multiply the attempts. */
  apply_retry_times (options->source_ctx, options->retry_times);
  apply_retry_times (options->destination_ctx, options->retry_times);

  return copy_once (dest, src, options, out_manifest_digest, cancellable, error);
}
