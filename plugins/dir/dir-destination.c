/* dir-destination.c: writing an image into a dir: folder.
 *
 * containers/image empties the target folder when the destination opens (if it
 * holds a previous dir: image, recognised by its version file; any other non-empty
 * folder is refused), so a failed copy loses the old image and leaves a half
 * written or empty folder. Here nothing in the target changes before commit:
 *
 *   - a target that does not exist is built in a staging folder next to it
 *     (PARENT/.skopos-dir-XXXXXX) and renamed into place by commit, in one step;
 *   - a target that exists (empty, or a previous image) gets the staging folder
 *     inside it (PATH/.skopos-dir-XXXXXX), so no write permission on its parent is
 *     needed and a mount point or its ownership is kept; commit then removes the
 *     old files and moves the new ones in, manifest.json last, so a reader never
 *     finds a manifest whose blobs are not there yet.
 *
 * Freed without commit, the destination removes its staging folder and the parent
 * folders it had to create; the target is untouched.
 *
 * Blobs of the previous image in the same folder are reused by a hard link once
 * their bytes are checked against the digest, so copying a changed image over an
 * older one only transfers the layers that changed.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dir-private.h"

typedef struct
{
  char *target;
  char *stage;
  gboolean in_place;        /* stage is inside an existing target */
  GPtrArray *created_dirs;  /* parents made for a new target, outermost first */
  SkoposLayerCompressionPolicy compression;
  gboolean committed;
} DirDestination;

static void
dir_destination_free (gpointer destination)
{
  DirDestination *dest = destination;

  if (dest == NULL)
    return;

  if (!dest->committed)
    {
      g_autoptr (GError) local_error = NULL;

      if (dest->stage != NULL && !skopos_rm_rf (dest->stage, &local_error))
        g_debug ("Cannot remove staging folder '%s': %s", dest->stage, local_error->message);
      skopos_rmdir_recorded (dest->created_dirs);
    }

  g_free (dest->target);
  g_free (dest->stage);
  g_ptr_array_unref (dest->created_dirs);
  g_free (dest);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DirDestination, dir_destination_free)


static gboolean
is_stage_name (const char *name)
{
  return g_str_has_prefix (name, DIR_STAGE_PREFIX);
}

/* An existing target may be overwritten when it is empty (staging folders of other
 * writers aside) or holds a previous dir: image. */
static gboolean
check_target_reusable (const char *path, GError **error)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, error);
  if (dir == NULL)
    return FALSE;

  const char *name;
  gboolean empty = TRUE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (!is_stage_name (name))
        {
          empty = FALSE;
          break;
        }
    }
  if (empty)
    return TRUE;

  g_autofree char *version_path = g_build_filename (path, DIR_VERSION_FILE, NULL);
  g_autofree char *version = NULL;
  gsize len = 0;
  if (!g_file_get_contents (version_path, &version, &len, NULL)
      || len != strlen (DIR_VERSION_CONTENTS) || memcmp (version, DIR_VERSION_CONTENTS, len) != 0)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "'%s' is not empty and does not hold a dir: image (no '%s' file saying "
                         "\"%.*s\"); refusing to overwrite it", path, DIR_VERSION_FILE,
                         (int) strlen (DIR_VERSION_CONTENTS) - 1, DIR_VERSION_CONTENTS);
  return TRUE;
}

static char *
make_stage (const char *parent, GError **error)
{
  g_autofree char *template = g_build_filename (parent, DIR_STAGE_PREFIX "XXXXXX", NULL);

  if (g_mkdtemp_full (template, 0755) == NULL)
    {
      skopos_throw_errno (error, errno, "Cannot create a staging folder in", parent);
      return NULL;
    }
  return g_steal_pointer (&template);
}

gboolean
dir_open_destination (gpointer reference,
                      SkoposContext *ctx,
                      GCancellable *cancellable,
                      gpointer *out_destination,
                      GError **error)
{
  DirReference *ref = reference;
  g_autoptr (DirDestination) dest = g_new0 (DirDestination, 1);
  struct stat st;

  dest->target = g_strdup (ref->path);
  dest->created_dirs = g_ptr_array_new_with_free_func (g_free);

  /* Layers are kept as they come unless the user asks otherwise. */
  gboolean compress = skopos_context_get_boolean (ctx, SKOPOS_CONTEXT_DIR_COMPRESS, FALSE);
  gboolean decompress = skopos_context_get_boolean (ctx, DIR_CONTEXT_DECOMPRESS, FALSE);
  if (compress && decompress)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "Cannot compress and decompress layers at the same time");
  dest->compression = compress     ? SKOPOS_LAYER_COMPRESSION_COMPRESS
                      : decompress ? SKOPOS_LAYER_COMPRESSION_DECOMPRESS
                                   : SKOPOS_LAYER_COMPRESSION_PRESERVE;

  if (stat (ref->path, &st) == 0)
    {
      if (!S_ISDIR (st.st_mode))
        return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                             "'%s' exists and is not a folder", ref->path);
      if (!check_target_reusable (ref->path, error))
        return FALSE;
      dest->in_place = TRUE;
      dest->stage = make_stage (ref->path, error);
    }
  else if (errno == ENOENT)
    {
      g_autofree char *parent = g_path_get_dirname (ref->path);
      if (!skopos_mkdir_recording (parent, 0755, dest->created_dirs, error))
        return FALSE;
      dest->stage = make_stage (parent, error);
    }
  else
    {
      return skopos_throw_errno (error, errno, "Cannot look at", ref->path);
    }
  if (dest->stage == NULL)
    return FALSE;

  g_autofree char *version_path = g_build_filename (dest->stage, DIR_VERSION_FILE, NULL);
  if (!skopos_file_replace_contents (version_path, DIR_VERSION_CONTENTS,
                                     strlen (DIR_VERSION_CONTENTS), 0644, error))
    return FALSE;

  g_debug ("Writing '%s' through '%s'", dest->target, dest->stage);
  *out_destination = g_steal_pointer (&dest);
  return TRUE;
}

static const char *const *
dir_supported_manifest_types (gpointer destination)
{
  return NULL;
}

static SkoposLayerCompressionPolicy
dir_desired_layer_compression (gpointer destination)
{
  DirDestination *dest = destination;

  return dest->compression;
}

static gboolean
dir_accepts_foreign_layers (gpointer destination)
{
  return FALSE;
}

static gboolean
dir_put_blob (gpointer destination,
              GInputStream *stream,
              const SkoposBlobInfo *info,
              GCancellable *cancellable,
              GError **error)
{
  DirDestination *dest = destination;
  g_autofree char *name = dir_blob_name (info->digest, error);
  if (name == NULL)
    return FALSE;

  gint64 size = 0;
  g_autofree char *tmp_path = skopos_stream_to_temp_file (stream, dest->stage, &size, cancellable,
                                                          error);
  if (tmp_path == NULL)
    return FALSE;

  g_autofree char *path = g_build_filename (dest->stage, name, NULL);
  if (chmod (tmp_path, 0644) < 0 || rename (tmp_path, path) < 0)
    {
      int errsv = errno;
      unlink (tmp_path);
      return skopos_throw_errno (error, errsv, "Cannot store blob as", path);
    }
  return TRUE;
}

/* Whether @path holds exactly the bytes of @digest (and @size when known). */
static gboolean
file_matches_digest (const char *path, const char *digest, gint64 size,
                     GCancellable *cancellable)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) in = g_file_read (file, cancellable, NULL);
  if (in == NULL)
    return FALSE;

  g_autoptr (GInputStream) check =
      skopos_digest_input_stream_new (G_INPUT_STREAM (in), digest, size);
  g_autoptr (GError) local_error = NULL;

  /* The checking stream fails its last read when the bytes are wrong. */
  char buffer[65536];
  while (TRUE)
    {
      gssize n = g_input_stream_read (check, buffer, sizeof buffer, cancellable, &local_error);
      if (n < 0)
        {
          g_debug ("Not reusing '%s': %s", path, local_error->message);
          return FALSE;
        }
      if (n == 0)
        return TRUE;
    }
}

static gboolean
dir_try_reusing_blob (gpointer destination,
                      const SkoposBlobInfo *info,
                      gboolean *out_reused,
                      gint64 *out_size,
                      GCancellable *cancellable,
                      GError **error)
{
  DirDestination *dest = destination;
  g_autofree char *name = dir_blob_name (info->digest, error);
  if (name == NULL)
    return FALSE;

  g_autofree char *staged = g_build_filename (dest->stage, name, NULL);
  struct stat st;
  *out_reused = FALSE;

  if (stat (staged, &st) == 0 && S_ISREG (st.st_mode)
      && (info->size < 0 || st.st_size == info->size))
    {
      *out_reused = TRUE;
      if (out_size)
        *out_size = st.st_size;
      return TRUE;
    }

  if (!dest->in_place)
    return TRUE;

  /* The previous image in the target may have it. */
  g_autofree char *old = g_build_filename (dest->target, name, NULL);
  if (stat (old, &st) < 0 || !S_ISREG (st.st_mode) || (info->size >= 0 && st.st_size != info->size))
    return TRUE;
  if (!file_matches_digest (old, info->digest, st.st_size, cancellable))
    return TRUE;
  if (link (old, staged) < 0 && errno != EEXIST)
    {
      g_debug ("Cannot link '%s' to '%s': %s", old, staged, g_strerror (errno));
      return TRUE;
    }

  g_debug ("Reusing %s from the previous image in '%s'", info->digest, dest->target);
  *out_reused = TRUE;
  if (out_size)
    *out_size = st.st_size;
  return TRUE;
}

static gboolean
dir_put_manifest (gpointer destination,
                  GBytes *manifest,
                  const char *media_type,
                  const char *instance_digest,
                  GCancellable *cancellable,
                  GError **error)
{
  DirDestination *dest = destination;
  g_autofree char *name = dir_manifest_name (instance_digest, error);
  if (name == NULL)
    return FALSE;

  g_autofree char *path = g_build_filename (dest->stage, name, NULL);
  gsize len = 0;
  const void *data = g_bytes_get_data (manifest, &len);
  return skopos_file_replace_contents (path, data, len, 0644, error);
}

static gboolean
dir_put_signatures (gpointer destination,
                    GPtrArray *signatures,
                    const char *instance_digest,
                    GCancellable *cancellable,
                    GError **error)
{
  DirDestination *dest = destination;
  guint i;

  for (i = 0; i < signatures->len; i++)
    {
      g_autofree char *name = dir_signature_name (instance_digest, i, error);
      if (name == NULL)
        return FALSE;

      g_autofree char *path = g_build_filename (dest->stage, name, NULL);
      gsize len = 0;
      const void *data = g_bytes_get_data (g_ptr_array_index (signatures, i), &len);
      if (!skopos_file_replace_contents (path, data, len, 0644, error))
        return FALSE;
    }

  /* Fewer signatures than an earlier call: readers stop at the first gap. */
  g_autofree char *next = dir_signature_name (instance_digest, i, error);
  if (next == NULL)
    return FALSE;
  g_autofree char *next_path = g_build_filename (dest->stage, next, NULL);
  if (unlink (next_path) < 0 && errno != ENOENT)
    return skopos_throw_errno (error, errno, "Cannot remove", next_path);
  return TRUE;
}

static gboolean
is_hex_digest (const char *text, gsize len)
{
  if (len != 64 && len != 128)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (text[i]) || g_ascii_isupper (text[i]))
      return FALSE;
  return TRUE;
}

/* Files named by the digest of their bytes (blobs, instance manifests) or the same in
 * every image (version): one already in the target under that name holds the same
 * bytes, so it need not be replaced. */
static gboolean
same_bytes_when_named_alike (const char *name)
{
  if (strcmp (name, DIR_VERSION_FILE) == 0)
    return TRUE;
  const char *dot = strchr (name, '.');
  if (dot == NULL)
    return is_hex_digest (name, strlen (name));
  return strcmp (dot, ".manifest.json") == 0 && is_hex_digest (name, dot - name);
}

/* Takes back the files commit_in_place() moved into the target before it failed. */
static void
undo_moves (DirDestination *dest, GPtrArray *moved)
{
  for (guint i = 0; i < moved->len; i++)
    {
      g_autofree char *path = g_build_filename (dest->target, moved->pdata[i], NULL);
      if (unlink (path) < 0)
        g_debug ("Cannot remove '%s': %s", path, g_strerror (errno));
    }
}

/* Replaces the image in an existing target with the staged one. The old image stays
 * whole and readable until one rename puts the new manifest.json in place:
 *   1. staged files the target lacks are moved in (blobs the target has are the
 *      same bytes, being named by their digest);
 *   2. the new manifest.json replaces the old one, atomically;
 *   3. staged files that replace old ones of the same name (signatures) move in;
 *   4. what only the old image used is removed.
 * A failure before step 2 takes step 1 back, leaving the target as it was. */
static gboolean
commit_in_place (DirDestination *dest, GError **error)
{
  g_autoptr (GPtrArray) moved = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) replacing = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) new_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  {
    g_autoptr (GDir) dir = g_dir_open (dest->stage, 0, error);
    if (dir == NULL)
      return FALSE;
    const char *name;
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_hash_table_add (new_names, g_strdup (name));
        if (strcmp (name, DIR_MANIFEST_FILE) == 0)
          continue;

        g_autofree char *from = g_build_filename (dest->stage, name, NULL);
        g_autofree char *to = g_build_filename (dest->target, name, NULL);
        if (g_file_test (to, G_FILE_TEST_EXISTS))
          {
            if (!same_bytes_when_named_alike (name))
              g_ptr_array_add (replacing, g_strdup (name));
            continue;
          }
        if (rename (from, to) < 0)
          {
            int saved = errno;
            undo_moves (dest, moved);
            return skopos_throw_errno (error, saved, "Cannot move a file to", to);
          }
        g_ptr_array_add (moved, g_strdup (name));
      }
  }

  g_autofree char *new_manifest = g_build_filename (dest->stage, DIR_MANIFEST_FILE, NULL);
  g_autofree char *old_manifest = g_build_filename (dest->target, DIR_MANIFEST_FILE, NULL);
  if (rename (new_manifest, old_manifest) < 0)
    {
      int saved = errno;
      undo_moves (dest, moved);
      return skopos_throw_errno (error, saved, "Cannot move a file to", old_manifest);
    }

  /* The new image is in place from here on; what follows only tidies up. */
  dest->committed = TRUE;
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < replacing->len; i++)
    {
      g_autofree char *from = g_build_filename (dest->stage, replacing->pdata[i], NULL);
      g_autofree char *to = g_build_filename (dest->target, replacing->pdata[i], NULL);
      if (rename (from, to) < 0)
        ok = skopos_throw_errno (error, errno,
                                 "The new image is in place, but this file could not be updated:",
                                 to);
    }

  /* A file of the old image left beside the new manifest (a signature above all)
   * would be read as part of the new image: failing to remove one is an error. */
  g_autoptr (GDir) dir = g_dir_open (dest->target, 0, NULL);
  const char *name;
  while (ok && dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      if (is_stage_name (name) || g_hash_table_contains (new_names, name))
        continue;
      g_autofree char *path = g_build_filename (dest->target, name, NULL);
      g_autoptr (GError) local_error = NULL;
      if (!skopos_rm_rf (path, &local_error))
        ok = skopos_throw (error, SKOPOS_ERROR_FAILED,
                           "the new image is in place, but '%s' of the old image could not be "
                           "removed: %s",
                           path, local_error->message);
    }

  g_autoptr (GError) stage_error = NULL;
  if (!skopos_rm_rf (dest->stage, &stage_error))
    g_debug ("Cannot remove staging folder '%s': %s", dest->stage, stage_error->message);
  return ok;
}

static gboolean
dir_commit (gpointer destination, GCancellable *cancellable, GError **error)
{
  DirDestination *dest = destination;
  g_autofree char *manifest = g_build_filename (dest->stage, DIR_MANIFEST_FILE, NULL);

  if (!g_file_test (manifest, G_FILE_TEST_IS_REGULAR))
    return skopos_throw (error, SKOPOS_ERROR_FAILED,
                         "Cannot commit to '%s': no manifest was written", dest->target);

  if (dest->in_place)
    {
      if (!commit_in_place (dest, error))
        return skopos_prefix_error (error, "Replacing the image in '%s': ", dest->target);
      return TRUE;
    }
  else if (rename (dest->stage, dest->target) < 0)
    {
      return skopos_throw_errno (error, errno, "Cannot move the new image to", dest->target);
    }

  dest->committed = TRUE;
  return TRUE;
}

const SkoposDestinationOps dir_destination_ops = {
  .struct_size = sizeof (SkoposDestinationOps),
  .supported_manifest_types = dir_supported_manifest_types,
  .desired_layer_compression = dir_desired_layer_compression,
  .accepts_foreign_layers = dir_accepts_foreign_layers,
  .put_blob = dir_put_blob,
  .try_reusing_blob = dir_try_reusing_blob,
  .put_manifest = dir_put_manifest,
  .put_signatures = dir_put_signatures,
  .commit = dir_commit,
  .free = dir_destination_free,
};
