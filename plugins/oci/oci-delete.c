/* oci-delete.c: removing an image from an OCI layout.
 *
 * The entry the reference names leaves index.json, then every blob it needed that
 * no remaining entry needs is removed. "Needs" is worked out by walking manifests
 * and indexes down to configs and layers, for the deleted entry and for all the
 * others, so blobs two images share stay. index.json is written before any blob is
 * removed: a crash in between leaves unused blobs, never an entry with missing ones.
 *
 * With a shared blob folder, other layouts may use the same blobs and cannot be
 * seen from here, so (as containers/image does) only blobs in PATH/blobs are
 * removed; manifests are still read from the shared folder to find them.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <unistd.h>

#include "oci-private.h"

static gboolean
delete_locked (OciReference *ref, const char *blob_dir, GCancellable *cancellable, GError **error)
{
  g_autoptr (JsonNode) index = oci_index_load (ref->path, error);
  if (index == NULL)
    return FALSE;

  guint position = 0;
  JsonObject *entry = oci_index_find (index, ref, &position, error);
  if (entry == NULL)
    return FALSE;

  g_autoptr (GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!oci_collect_blobs (blob_dir, entry, used, cancellable, error))
    return FALSE;

  json_array_remove_element (oci_index_get_manifests (index), position);

  g_autoptr (GHashTable) live =
      oci_index_collect_live_blobs (index, blob_dir, cancellable, error);
  if (live == NULL)
    return FALSE;

  if (!oci_index_save (ref->path, index, error))
    return FALSE;

  g_autofree char *local_blob_dir = g_build_filename (ref->path, "blobs", NULL);
  GHashTableIter iter;
  gpointer key;
  guint removed = 0;

  g_hash_table_iter_init (&iter, used);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      if (g_hash_table_contains (live, key))
        continue;

      g_autofree char *path = oci_blob_path (local_blob_dir, key, error);
      if (path == NULL)
        return FALSE;
      if (unlink (path) < 0)
        {
          if (errno == ENOENT)
            continue;
          return skopos_throw (error, SKOPOS_ERROR_FAILED,
                               "The image was removed from index.json, but its blob '%s' could "
                               "not be: %s", path, g_strerror (errno));
        }
      removed++;
    }

  g_debug ("Deleted entry %u of '%s' and %u blobs", position, ref->path, removed);
  return TRUE;
}

gboolean
oci_delete_image (gpointer reference,
                  SkoposContext *ctx,
                  GCancellable *cancellable,
                  GError **error)
{
  OciReference *ref = reference;

  /* A missing layout or image is reported before a lock file is created in it. */
  {
    g_autoptr (JsonNode) index = oci_index_load (ref->path, error);
    guint position = 0;

    if (index == NULL || oci_index_find (index, ref, &position, error) == NULL)
      return FALSE;
  }

  g_autofree char *blob_dir = oci_blob_dir (ref->path, ctx);
  int fd = oci_layout_lock (ref->path, error);
  if (fd < 0)
    return FALSE;

  gboolean ok = delete_locked (ref, blob_dir, cancellable, error);
  oci_layout_unlock (ref->path, fd);
  return ok;
}
