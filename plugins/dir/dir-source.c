/* dir-source.c: reading an image from a dir: folder.
 *
 * Nothing is cached: every call opens the file its digest names. The manifest's
 * media type is left to the core to recognise, as the folder does not record it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <sys/stat.h>

#include "dir-private.h"

typedef struct
{
  char *path;
} DirSource;

static void
dir_source_free (gpointer source)
{
  DirSource *src = source;

  if (src == NULL)
    return;
  g_free (src->path);
  g_free (src);
}

gboolean
dir_open_source (gpointer reference,
                 SkoposContext *ctx,
                 GCancellable *cancellable,
                 gpointer *out_source,
                 GError **error)
{
  DirReference *ref = reference;
  struct stat st;

  if (stat (ref->path, &st) < 0)
    {
      if (errno == ENOENT)
        return skopos_throw (error, SKOPOS_ERROR_FAILED, "Folder '%s' does not exist",
                             ref->path);
      return skopos_throw (error, SKOPOS_ERROR_FAILED, "Cannot open '%s': %s", ref->path,
                           g_strerror (errno));
    }
  if (!S_ISDIR (st.st_mode))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "'%s' is not a folder", ref->path);

  DirSource *src = g_new0 (DirSource, 1);
  src->path = g_strdup (ref->path);
  *out_source = src;
  return TRUE;
}

static GBytes *
read_small_file (DirSource *src, const char *name, GError **error)
{
  g_autofree char *path = g_build_filename (src->path, name, NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) local_error = NULL;

  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        skopos_throw (error, SKOPOS_ERROR_NOT_FOUND, "'%s' does not exist", path);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&contents), len);
}

static gboolean
dir_get_manifest (gpointer source,
                  const char *instance_digest,
                  GBytes **out_manifest,
                  char **out_media_type,
                  GCancellable *cancellable,
                  GError **error)
{
  DirSource *src = source;
  g_autofree char *name = dir_manifest_name (instance_digest, error);
  if (name == NULL)
    return FALSE;

  /* A dir: image has one image or none: a missing manifest is a damaged or foreign
   * folder, not a missing image (skopeo exits 1 here, not 2). */
  g_autoptr (GError) local_error = NULL;
  GBytes *manifest = read_small_file (src, name, &local_error);
  if (manifest == NULL)
    {
      if (g_error_matches (local_error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_FOUND))
        local_error->code = SKOPOS_ERROR_INVALID_DATA;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  *out_manifest = manifest;
  *out_media_type = NULL;
  return TRUE;
}

static gboolean
dir_get_blob (gpointer source,
              const SkoposBlobInfo *info,
              GInputStream **out_stream,
              gint64 *out_size,
              GCancellable *cancellable,
              GError **error)
{
  DirSource *src = source;
  g_autofree char *name = dir_blob_name (info->digest, error);
  if (name == NULL)
    return FALSE;

  g_autofree char *path = g_build_filename (src->path, name, NULL);
  g_autoptr (GError) local_error = NULL;
  GInputStream *stream = skopos_file_open_regular (path, out_size, cancellable, &local_error);
  if (stream == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "Blob %s is missing from '%s'",
                             info->digest, src->path);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  *out_stream = stream;
  return TRUE;
}

/* signature-1, signature-2, ... up to the first one missing. */
static gboolean
dir_get_signatures (gpointer source,
                    const char *instance_digest,
                    GPtrArray **out_signatures,
                    GCancellable *cancellable,
                    GError **error)
{
  DirSource *src = source;
  g_autoptr (GPtrArray) signatures =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = 0;; i++)
    {
      g_autofree char *name = dir_signature_name (instance_digest, i, error);
      if (name == NULL)
        return FALSE;

      g_autoptr (GError) local_error = NULL;
      GBytes *signature = read_small_file (src, name, &local_error);
      if (signature == NULL)
        {
          if (g_error_matches (local_error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_FOUND))
            break;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_ptr_array_add (signatures, signature);
    }

  *out_signatures = g_steal_pointer (&signatures);
  return TRUE;
}

const SkoposSourceOps dir_source_ops = {
  .struct_size = sizeof (SkoposSourceOps),
  .get_manifest = dir_get_manifest,
  .get_blob = dir_get_blob,
  .get_signatures = dir_get_signatures,
  .free = dir_source_free,
};
