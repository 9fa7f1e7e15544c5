/* oci-source.c: reading an image from an OCI layout.
 *
 * Opening a source reads index.json once and picks the entry the reference names
 * (by ref.name, by position, or the only one). Manifests and blobs are then read
 * from the blob folder by digest; the core checks every byte against its digest, so
 * this file only has to make sure a digest is safe to use as a path.
 *
 * Blobs that exist only at a URL (non-distributable layers missing from the layout)
 * are not fetched: that would need HTTP in this module, and the error says so.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <string.h>

#include "oci-private.h"

typedef struct
{
  char *layout;
  char *blob_dir;
  JsonNode *index;
  char *digest;     /* of the entry the reference names */
  char *media_type; /* nullable */
} OciSource;

static void
oci_source_free (gpointer source)
{
  OciSource *src = source;

  if (src == NULL)
    return;
  g_free (src->layout);
  g_free (src->blob_dir);
  if (src->index)
    json_node_unref (src->index);
  g_free (src->digest);
  g_free (src->media_type);
  g_free (src);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OciSource, oci_source_free)

gboolean
oci_open_source (gpointer reference,
                 SkoposContext *ctx,
                 GCancellable *cancellable,
                 gpointer *out_source,
                 GError **error)
{
  OciReference *ref = reference;
  g_autoptr (OciSource) src = g_new0 (OciSource, 1);

  src->layout = g_strdup (ref->path);
  src->blob_dir = oci_blob_dir (ref->path, ctx);
  src->index = oci_index_load (ref->path, error);
  if (src->index == NULL)
    return FALSE;

  guint position = 0;
  JsonObject *entry = oci_index_find (src->index, ref, &position, error);
  if (entry == NULL)
    return FALSE;

  g_autofree char *what = g_strdup_printf ("'%s/%s', entry %u", ref->path, OCI_INDEX_FILE,
                                           position);
  const char *digest = NULL;
  const char *media_type = NULL;
  if (!oci_descriptor_read (entry, what, &digest, &media_type, NULL, error))
    return FALSE;

  src->digest = g_strdup (digest);
  src->media_type = g_strdup (media_type);
  g_debug ("Reading %s from '%s' (entry %u)", digest, ref->path, position);
  *out_source = g_steal_pointer (&src);
  return TRUE;
}

static GBytes *
read_blob_file (OciSource *src, const char *digest, const char *what, GError **error)
{
  g_autofree char *path = oci_blob_path (src->blob_dir, digest, error);
  if (path == NULL)
    return NULL;

  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) local_error = NULL;
  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "The %s %s is missing from '%s'", what,
                      digest, src->blob_dir);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&contents), len);
}

/* The media type index.json records for @digest, as containers/image looks it up. */
static const char *
media_type_from_index (OciSource *src, const char *digest)
{
  JsonArray *manifests = oci_index_get_manifests (src->index);

  for (guint i = 0; i < json_array_get_length (manifests); i++)
    {
      JsonObject *entry = json_array_get_object_element (manifests, i);
      const char *entry_digest = NULL;
      const char *media_type = NULL;

      if (oci_descriptor_read (entry, "index.json", &entry_digest, &media_type, NULL, NULL)
          && strcmp (entry_digest, digest) == 0)
        return media_type;
    }
  return NULL;
}

static gboolean
oci_get_manifest (gpointer source,
                  const char *instance_digest,
                  GBytes **out_manifest,
                  char **out_media_type,
                  GCancellable *cancellable,
                  GError **error)
{
  OciSource *src = source;
  const char *digest = instance_digest ? instance_digest : src->digest;
  const char *media_type = instance_digest ? media_type_from_index (src, instance_digest)
                                           : src->media_type;

  g_autoptr (GBytes) manifest = read_blob_file (src, digest, "manifest", error);
  if (manifest == NULL)
    return FALSE;

  /* The name of a blob file proves nothing about its bytes; the core can check an
   * instance against the digest it asked for, but only this file knows which digest
   * index.json gave the top-level manifest. */
  g_autofree char *algorithm = skopos_digest_dup_algorithm (digest);
  g_autofree char *actual = skopos_digest_compute_bytes (algorithm, manifest);
  if (g_strcmp0 (actual, digest) != 0)
    return skopos_throw (error, SKOPOS_ERROR_DIGEST_MISMATCH,
                         "Manifest %s in '%s' is damaged: its bytes have digest %s", digest,
                         src->blob_dir, actual);

  *out_manifest = g_steal_pointer (&manifest);
  *out_media_type = g_strdup (media_type);
  return TRUE;
}

static gboolean
oci_get_blob (gpointer source,
              const SkoposBlobInfo *info,
              GInputStream **out_stream,
              gint64 *out_size,
              GCancellable *cancellable,
              GError **error)
{
  OciSource *src = source;
  g_autofree char *path = oci_blob_path (src->blob_dir, info->digest, error);
  if (path == NULL)
    return FALSE;

  g_autoptr (GError) local_error = NULL;
  GInputStream *stream = skopos_file_open_regular (path, out_size, cancellable, &local_error);
  if (stream == NULL)
    {
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (info->urls != NULL && info->urls[0] != NULL)
        return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                             "Blob %s is not in '%s', and fetching it from its URL (%s) is not "
                             "supported by the oci transport", info->digest, src->blob_dir,
                             info->urls[0]);
      return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "Blob %s is missing from '%s'",
                           info->digest, src->blob_dir);
    }

  *out_stream = stream;
  return TRUE;
}

const SkoposSourceOps oci_source_ops = {
  .struct_size = sizeof (SkoposSourceOps),
  .get_manifest = oci_get_manifest,
  .get_blob = oci_get_blob,
  .get_signatures = NULL,
  .free = oci_source_free,
};
