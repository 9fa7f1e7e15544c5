/* oci-destination.c: writing an image into an OCI layout.
 *
 * Blobs are content-addressed, so they go straight to their final names as they
 * arrive (through a temporary file in the blob folder and a rename, after the core's
 * verifying stream has reached its end). Only commit makes the image visible, by
 * adding or replacing its entry in index.json under the layout's writer lock.
 *
 * A destination remembers what it added: folders it had to create, and blobs that
 * were not there before. Freed without a commit, it removes those blobs unless an
 * index.json entry (written meanwhile by another writer) needs them, then the
 * folders it created if they are empty again. A layout that existed is thus left as
 * it was, and a layout this destination created disappears.
 *
 * Concurrent writers: each one re-reads index.json under the lock at commit, so no
 * entry is lost. A blob one writer found in place (try_reusing_blob) could be
 * removed by another writer's abort or by a delete before the first one commits;
 * commit therefore checks, under the lock, that every blob the image relies on is
 * still there, and fails rather than record an entry with a missing blob.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci-private.h"

#define OCI_LAYOUT_CONTENTS "{\"imageLayoutVersion\": \"1.0.0\"}"

typedef struct
{
  char *layout;
  char *image; /* nullable: the ref.name to record */
  char *blob_dir;
  gboolean accept_uncompressed;

  /* put_blob may run in several threads at once; this guards the fields below. */
  GMutex mutex;
  GPtrArray *created_dirs;   /* folders this destination made, parents first */
  GHashTable *created_blobs; /* digests of blobs that were absent before */
  GHashTable *used_blobs;    /* digests the image relies on */

  char *manifest_digest; /* the top-level manifest, once put */
  char *manifest_media_type;
  gint64 manifest_size;
  gboolean committed;
} OciDestination;

static void discard_uncommitted (OciDestination *dest);

static void
oci_destination_free (gpointer destination)
{
  OciDestination *dest = destination;

  if (dest == NULL)
    return;
  if (!dest->committed)
    discard_uncommitted (dest);

  g_free (dest->layout);
  g_free (dest->image);
  g_free (dest->blob_dir);
  g_mutex_clear (&dest->mutex);
  g_ptr_array_unref (dest->created_dirs);
  g_hash_table_unref (dest->created_blobs);
  g_hash_table_unref (dest->used_blobs);
  g_free (dest->manifest_digest);
  g_free (dest->manifest_media_type);
  g_free (dest);
}

gboolean
oci_open_destination (gpointer reference,
                      SkoposContext *ctx,
                      GCancellable *cancellable,
                      gpointer *out_destination,
                      GError **error)
{
  OciReference *ref = reference;

  if (ref->source_index >= 0)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "An oci destination cannot use a source index (@%" G_GINT64_FORMAT
                         "); name the image instead", ref->source_index);

  /* A broken index.json is reported now rather than after the whole copy. */
  g_autofree char *index_path = g_build_filename (ref->path, OCI_INDEX_FILE, NULL);
  if (g_file_test (index_path, G_FILE_TEST_EXISTS))
    {
      g_autoptr (JsonNode) index = oci_index_load (ref->path, error);
      if (index == NULL)
        return FALSE;
    }

  OciDestination *dest = g_new0 (OciDestination, 1);
  dest->layout = g_strdup (ref->path);
  dest->image = g_strdup (ref->image);
  dest->blob_dir = oci_blob_dir (ref->path, ctx);
  dest->accept_uncompressed =
      skopos_context_get_boolean (ctx, SKOPOS_CONTEXT_OCI_ACCEPT_UNCOMPRESSED, FALSE);
  g_mutex_init (&dest->mutex);
  dest->created_dirs = g_ptr_array_new_with_free_func (g_free);
  dest->created_blobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  dest->used_blobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* The layout folder and the blob folder must exist for temporary files. */
  if (!skopos_mkdir_recording (dest->layout, 0755, dest->created_dirs, error)
      || !skopos_mkdir_recording (dest->blob_dir, 0755, dest->created_dirs, error))
    {
      oci_destination_free (dest);
      return FALSE;
    }

  *out_destination = dest;
  return TRUE;
}

static const char *const oci_manifest_types[] = {
  SKOPOS_MEDIA_TYPE_OCI_MANIFEST,
  SKOPOS_MEDIA_TYPE_OCI_INDEX,
  NULL,
};

static const char *const *
oci_supported_manifest_types (gpointer destination)
{
  return oci_manifest_types;
}

/* Like containers/image: layers are compressed unless the user accepts
 * uncompressed ones (--dest-oci-accept-uncompressed-layers). */
static SkoposLayerCompressionPolicy
oci_desired_layer_compression (gpointer destination)
{
  OciDestination *dest = destination;

  return dest->accept_uncompressed ? SKOPOS_LAYER_COMPRESSION_PRESERVE
                                   : SKOPOS_LAYER_COMPRESSION_COMPRESS;
}

static gboolean
oci_accepts_foreign_layers (gpointer destination)
{
  return TRUE;
}

/* Moves a complete temporary file to the blob's name, noting whether the blob is
 * new. The rename replaces an existing blob with the verified bytes, which repairs
 * a damaged copy and is harmless otherwise. */
static gboolean
install_blob (OciDestination *dest, const char *tmp_path, const char *digest, GError **error)
{
  g_autofree char *final_path = oci_blob_path (dest->blob_dir, digest, error);
  if (final_path == NULL)
    return FALSE;
  g_autofree char *algorithm_dir = g_path_get_dirname (final_path);

  if (chmod (tmp_path, 0644) < 0)
    return skopos_throw (error, SKOPOS_ERROR_FAILED, "Cannot make '%s' readable: %s", tmp_path,
                         g_strerror (errno));

  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&dest->mutex);

  if (!skopos_mkdir_recording (algorithm_dir, 0755, dest->created_dirs, error))
    return FALSE;

  gboolean existed = FALSE;
  if (!oci_regular_file_exists (final_path, &existed, NULL, error))
    return FALSE;

  if (rename (tmp_path, final_path) < 0)
    return skopos_throw (error, SKOPOS_ERROR_FAILED, "Cannot move blob %s to '%s': %s", digest,
                         final_path, g_strerror (errno));

  if (!existed)
    g_hash_table_add (dest->created_blobs, g_strdup (digest));
  g_hash_table_add (dest->used_blobs, g_strdup (digest));
  g_debug ("Stored blob %s%s", digest, existed ? " (it was there already)" : "");
  return TRUE;
}

static gboolean
store_stream (OciDestination *dest, GInputStream *stream, const char *digest,
              GCancellable *cancellable, GError **error)
{
  gint64 size = 0;
  g_autofree char *tmp_path =
      skopos_stream_to_temp_file (stream, dest->blob_dir, &size, cancellable, error);
  if (tmp_path == NULL)
    return FALSE;

  if (!install_blob (dest, tmp_path, digest, error))
    {
      unlink (tmp_path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
oci_put_blob (gpointer destination,
              GInputStream *stream,
              const SkoposBlobInfo *info,
              GCancellable *cancellable,
              GError **error)
{
  OciDestination *dest = destination;

  if (!skopos_digest_validate (info->digest, error))
    return FALSE;
  return store_stream (dest, stream, info->digest, cancellable, error);
}

static gboolean
oci_try_reusing_blob (gpointer destination,
                      const SkoposBlobInfo *info,
                      gboolean *out_reused,
                      gint64 *out_size,
                      GCancellable *cancellable,
                      GError **error)
{
  OciDestination *dest = destination;
  g_autofree char *path = oci_blob_path (dest->blob_dir, info->digest, error);
  if (path == NULL)
    return FALSE;

  gboolean exists = FALSE;
  gint64 size = -1;
  if (!oci_regular_file_exists (path, &exists, &size, error))
    return FALSE;

  *out_reused = FALSE;
  if (!exists)
    return TRUE;
  if (info->size >= 0 && size != info->size)
    {
      g_debug ("Not reusing '%s': %" G_GINT64_FORMAT " bytes, %" G_GINT64_FORMAT " expected", path,
               size, info->size);
      return TRUE;
    }

  g_mutex_lock (&dest->mutex);
  g_hash_table_add (dest->used_blobs, g_strdup (info->digest));
  g_mutex_unlock (&dest->mutex);

  *out_reused = TRUE;
  if (out_size)
    *out_size = size;
  return TRUE;
}

static gboolean
oci_put_manifest (gpointer destination,
                  GBytes *manifest,
                  const char *media_type,
                  const char *instance_digest,
                  GCancellable *cancellable,
                  GError **error)
{
  OciDestination *dest = destination;
  g_autofree char *digest = NULL;

  if (instance_digest != NULL)
    {
      if (!skopos_digest_validate (instance_digest, error))
        return FALSE;
      g_autofree char *algorithm = skopos_digest_dup_algorithm (instance_digest);
      g_autofree char *actual = skopos_digest_compute_bytes (algorithm, manifest);
      if (g_strcmp0 (actual, instance_digest) != 0)
        return skopos_throw (error, SKOPOS_ERROR_DIGEST_MISMATCH,
                             "Manifest for instance %s has digest %s", instance_digest, actual);
      digest = g_strdup (instance_digest);
    }
  else
    {
      digest = skopos_digest_compute_bytes ("sha256", manifest);
    }

  g_autoptr (GInputStream) stream = g_memory_input_stream_new_from_bytes (manifest);
  if (!store_stream (dest, stream, digest, cancellable, error))
    return FALSE;

  /* An instance of a list is only a blob; the list itself gets the index entry. */
  if (instance_digest != NULL)
    return TRUE;

  g_free (dest->manifest_digest);
  g_free (dest->manifest_media_type);
  dest->manifest_digest = g_steal_pointer (&digest);
  dest->manifest_media_type = (media_type != NULL && *media_type != '\0')
                                  ? g_strdup (media_type)
                                  : skopos_manifest_guess_media_type (manifest);
  dest->manifest_size = g_bytes_get_size (manifest);
  return TRUE;
}

static JsonNode *
build_entry (OciDestination *dest)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  if (dest->manifest_media_type != NULL)
    {
      json_builder_set_member_name (builder, "mediaType");
      json_builder_add_string_value (builder, dest->manifest_media_type);
    }
  json_builder_set_member_name (builder, "digest");
  json_builder_add_string_value (builder, dest->manifest_digest);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, dest->manifest_size);
  if (dest->image != NULL)
    {
      json_builder_set_member_name (builder, "annotations");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, OCI_REF_NAME_ANNOTATION);
      json_builder_add_string_value (builder, dest->image);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* Where the new entry goes: over the entry with the same name; without a name (or
 * when none has it), over an unnamed entry of the same digest, as containers/image
 * does, so writing the same image twice does not add a second entry. -1: append. */
static gint
find_entry_to_replace (JsonArray *manifests, const char *image, const char *digest)
{
  guint n = json_array_get_length (manifests);

  if (image != NULL)
    {
      for (guint i = 0; i < n; i++)
        {
          JsonObject *entry = json_array_get_object_element (manifests, i);
          if (g_strcmp0 (oci_descriptor_get_ref_name (entry), image) == 0)
            return (gint) i;
        }
    }

  for (guint i = 0; i < n; i++)
    {
      JsonObject *entry = json_array_get_object_element (manifests, i);
      const char *entry_digest = NULL;

      if (oci_descriptor_get_ref_name (entry) != NULL)
        continue;
      if (oci_descriptor_read (entry, "index.json", &entry_digest, NULL, NULL, NULL)
          && strcmp (entry_digest, digest) == 0)
        return (gint) i;
    }
  return -1;
}

static void
add_entry (OciDestination *dest, JsonNode *index)
{
  JsonArray *manifests = oci_index_get_manifests (index);
  gint position = find_entry_to_replace (manifests, dest->image, dest->manifest_digest);
  JsonNode *entry = build_entry (dest);

  if (position < 0)
    {
      json_array_add_element (manifests, entry);
      return;
    }

  /* JsonArray cannot replace an element in place; rebuild it in the same order. */
  JsonArray *replaced = json_array_sized_new (json_array_get_length (manifests));
  for (guint i = 0; i < json_array_get_length (manifests); i++)
    {
      if ((gint) i == position)
        json_array_add_element (replaced, entry);
      else
        json_array_add_element (replaced, json_node_copy (json_array_get_element (manifests, i)));
    }
  json_object_set_array_member (json_node_get_object (index), "manifests", replaced);
}

/* Under the lock: every blob this image relies on must still be in place. */
static gboolean
check_used_blobs (OciDestination *dest, GError **error)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, dest->used_blobs);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autofree char *path = oci_blob_path (dest->blob_dir, key, error);
      gboolean exists = FALSE;

      if (path == NULL || !oci_regular_file_exists (path, &exists, NULL, error))
        return FALSE;
      if (!exists)
        return skopos_throw (error, SKOPOS_ERROR_NOT_FOUND,
                             "Blob %s disappeared from '%s' while the image was being written "
                             "(deleted by another process?)", (const char *) key, dest->blob_dir);
    }
  return TRUE;
}

static JsonNode *
load_or_new_index (const char *layout, GError **error)
{
  g_autofree char *index_path = g_build_filename (layout, OCI_INDEX_FILE, NULL);

  if (!g_file_test (index_path, G_FILE_TEST_EXISTS))
    return oci_index_new ();
  return oci_index_load (layout, error);
}

static gboolean
commit_locked (OciDestination *dest, GError **error)
{
  g_autoptr (JsonNode) index = load_or_new_index (dest->layout, error);
  if (index == NULL)
    return FALSE;

  if (!check_used_blobs (dest, error))
    return FALSE;

  add_entry (dest, index);

  g_autofree char *layout_file = g_build_filename (dest->layout, OCI_LAYOUT_FILE, NULL);
  if (!g_file_test (layout_file, G_FILE_TEST_EXISTS)
      && !skopos_file_replace_contents (layout_file, OCI_LAYOUT_CONTENTS,
                                        strlen (OCI_LAYOUT_CONTENTS), 0644, error))
    return FALSE;

  return oci_index_save (dest->layout, index, error);
}

static gboolean
oci_commit (gpointer destination, GCancellable *cancellable, GError **error)
{
  OciDestination *dest = destination;

  if (dest->manifest_digest == NULL)
    return skopos_throw (error, SKOPOS_ERROR_FAILED,
                         "Cannot commit to '%s': no manifest was written", dest->layout);

  int fd = oci_layout_lock (dest->layout, error);
  if (fd < 0)
    return FALSE;
  gboolean ok = commit_locked (dest, error);
  oci_layout_unlock (dest->layout, fd);

  if (!ok)
    return FALSE;
  dest->committed = TRUE;
  g_debug ("Recorded %s in '%s'%s%s", dest->manifest_digest, dest->layout,
           dest->image ? " as " : "", dest->image ? dest->image : "");
  return TRUE;
}

/* Removes blobs this destination added that no index.json entry needs. Runs under
 * the lock so no commit slips in between the look at index.json and the removal. */
static void
remove_created_blobs_locked (OciDestination *dest)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GHashTable) live = NULL;
  g_autofree char *index_path = g_build_filename (dest->layout, OCI_INDEX_FILE, NULL);

  if (g_file_test (index_path, G_FILE_TEST_EXISTS))
    {
      g_autoptr (JsonNode) index = oci_index_load (dest->layout, &local_error);

      /* Blobs cannot be in use by entries nobody can read; otherwise a walk that
       * fails leaves everything in place, as nothing can be proven unused. */
      if (index != NULL)
        live = oci_index_collect_live_blobs (index, dest->blob_dir, NULL, &local_error);
      if (index != NULL && live == NULL)
        {
          g_debug ("Keeping the blobs written to '%s': %s", dest->layout, local_error->message);
          return;
        }
    }

  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init (&iter, dest->created_blobs);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      if (live != NULL && g_hash_table_contains (live, key))
        continue;

      g_autofree char *path = oci_blob_path (dest->blob_dir, key, NULL);
      if (path != NULL && unlink (path) < 0 && errno != ENOENT)
        g_debug ("Cannot remove '%s': %s", path, g_strerror (errno));
    }
}

static void
discard_uncommitted (OciDestination *dest)
{
  if (g_hash_table_size (dest->created_blobs) > 0)
    {
      g_autoptr (GError) local_error = NULL;
      int fd = oci_layout_lock (dest->layout, &local_error);

      if (fd < 0)
        g_debug ("Keeping the blobs written to '%s': %s", dest->layout, local_error->message);
      else
        {
          remove_created_blobs_locked (dest);
          oci_layout_unlock (dest->layout, fd);
        }
    }

  /* Newest first, and only if empty: another writer may have put files there. */
  skopos_rmdir_recorded (dest->created_dirs);
}

const SkoposDestinationOps oci_destination_ops = {
  .struct_size = sizeof (SkoposDestinationOps),
  .supported_manifest_types = oci_supported_manifest_types,
  .desired_layer_compression = oci_desired_layer_compression,
  .accepts_foreign_layers = oci_accepts_foreign_layers,
  .put_blob = oci_put_blob,
  .try_reusing_blob = oci_try_reusing_blob,
  .put_manifest = oci_put_manifest,
  .put_signatures = NULL,
  .commit = oci_commit,
  .free = oci_destination_free,
};
