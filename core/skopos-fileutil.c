/* skopos-fileutil.c: the file operations transports need to keep the promise that a
 * failed copy leaves nothing half-written: atomic replacement through a temporary
 * file and rename, spooling a stream to a temporary file, locking, and removal.
 *
 * Temporary files are always created in the folder of their final name, so the
 * rename that publishes them never crosses a file system.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <skopos/skopos-transport-plugin.h>

gboolean
skopos_throw_errno (GError **error, int errsv, const char *what, const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s '%s': %s", what, path,
               g_strerror (errsv));
  return FALSE;
}

#define throw_errno skopos_throw_errno

static gboolean
write_all (int fd, const void *data, gsize len, const char *path, GError **error)
{
  const guint8 *p = data;
  while (len > 0)
    {
      gssize n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return throw_errno (error, errno, "Writing", path);
      p += n;
      len -= n;
    }
  return TRUE;
}

/* A temporary file next to @path: returns the fd and sets @out_tmp_path. */
static int
open_temp_beside (const char *dir, char **out_tmp_path, GError **error)
{
  g_autofree char *template = g_build_filename (dir, ".tmp-skopos-XXXXXX", NULL);
  int fd = g_mkstemp_full (template, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      throw_errno (error, errno, "Creating a temporary file in", dir);
      return -1;
    }
  *out_tmp_path = g_steal_pointer (&template);
  return fd;
}

gboolean
skopos_file_replace_contents (const char *path, const void *contents, gsize len, int mode,
                              GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp_path = NULL;

  int fd = open_temp_beside (dir, &tmp_path, error);
  if (fd < 0)
    return FALSE;

  gboolean ok = write_all (fd, contents, len, tmp_path, error);
  if (ok && fchmod (fd, mode) != 0)
    ok = throw_errno (error, errno, "Setting the mode of", tmp_path);
  if (ok && fsync (fd) != 0)
    ok = throw_errno (error, errno, "Syncing", tmp_path);
  close (fd);

  if (ok && g_rename (tmp_path, path) != 0)
    ok = throw_errno (error, errno, "Renaming a temporary file to", path);

  if (!ok)
    (void) g_unlink (tmp_path);
  return ok;
}

char *
skopos_stream_to_temp_file (GInputStream *stream, const char *dir, gint64 *out_size,
                            GCancellable *cancellable, GError **error)
{
  g_autofree char *tmp_path = NULL;
  int fd = open_temp_beside (dir, &tmp_path, error);
  if (fd < 0)
    return NULL;

  g_autoptr (GOutputStream) out = g_unix_output_stream_new (fd, TRUE);
  gssize copied = g_output_stream_splice (out, stream, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                          cancellable, error);
  /* No prefix: the reason (a bad digest, a full disk) speaks for itself, and a
   * temporary file's name means nothing to the user. */
  gboolean ok = copied >= 0;

  /* The splice closed the fd; reopen just to sync what it wrote. */
  if (ok)
    {
      int sync_fd = open (tmp_path, O_RDONLY | O_CLOEXEC);
      if (sync_fd < 0 || fsync (sync_fd) != 0)
        ok = throw_errno (error, errno, "Syncing", tmp_path);
      if (sync_fd >= 0)
        close (sync_fd);
    }

  if (!ok)
    {
      (void) g_unlink (tmp_path);
      return NULL;
    }

  if (out_size != NULL)
    *out_size = copied;
  return g_steal_pointer (&tmp_path);
}

gboolean
skopos_mkdir_with_parents (const char *path, int mode, GError **error)
{
  if (g_mkdir_with_parents (path, mode) != 0)
    return throw_errno (error, errno, "Creating folder", path);
  return TRUE;
}

gboolean
skopos_mkdir_recording (const char *path, int mode, GPtrArray *created, GError **error)
{
  GStatBuf st;

  if (g_stat (path, &st) == 0)
    {
      if (!S_ISDIR (st.st_mode))
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "'%s' is not a folder", path);
      return TRUE;
    }
  if (errno != ENOENT)
    return throw_errno (error, errno, "Looking at", path);

  g_autofree char *parent = g_path_get_dirname (path);
  if (strcmp (parent, path) != 0 && !skopos_mkdir_recording (parent, mode, created, error))
    return FALSE;

  if (g_mkdir (path, mode) != 0)
    {
      /* Someone else made it in the meantime: fine, but it is not ours to remove. */
      if (errno == EEXIST)
        return TRUE;
      return throw_errno (error, errno, "Creating folder", path);
    }
  if (created != NULL)
    g_ptr_array_add (created, g_strdup (path));
  return TRUE;
}

GInputStream *
skopos_file_open_regular (const char *path, gint64 *out_size, GCancellable *cancellable,
                          GError **error)
{
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  /* O_NONBLOCK: opening a FIFO planted where a blob should be must not hang; the
   * check below refuses it. Regular files ignore the flag. */
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0)
    {
      throw_errno (error, errno, "Opening", path);
      return NULL;
    }

  struct stat st;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "'%s' is not a regular file", path);
      return NULL;
    }

  if (out_size != NULL)
    *out_size = st.st_size;
  return g_unix_input_stream_new (fd, TRUE);
}

void
skopos_rmdir_recorded (GPtrArray *created)
{
  for (guint i = created != NULL ? created->len : 0; i > 0; i--)
    {
      const char *dir = g_ptr_array_index (created, i - 1);
      if (g_rmdir (dir) != 0)
        g_debug ("Keeping folder '%s': %s", dir, g_strerror (errno));
    }
}

char *
skopos_path_resolve (const char *path)
{
  char resolved[PATH_MAX];

  if (realpath (path, resolved) != NULL)
    return g_strdup (resolved);
  int errsv = errno;

  g_autofree char *parent = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  if (errsv == ENOENT && realpath (parent, resolved) != NULL && strcmp (base, ".") != 0
      && strcmp (base, "..") != 0 && strcmp (base, "/") != 0)
    return g_build_filename (resolved, base, NULL);

  return g_canonicalize_filename (path, NULL);
}

gboolean
skopos_rm_rf (const char *path, GError **error)
{
  GStatBuf st;
  if (g_lstat (path, &st) != 0)
    {
      if (errno == ENOENT)
        return TRUE;
      return throw_errno (error, errno, "Looking at", path);
    }

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, error);
      if (dir == NULL)
        return FALSE;
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          if (!skopos_rm_rf (child, error))
            return FALSE;
        }
      if (g_rmdir (path) != 0)
        return throw_errno (error, errno, "Removing folder", path);
      return TRUE;
    }

  if (g_unlink (path) != 0 && errno != ENOENT)
    return throw_errno (error, errno, "Removing", path);
  return TRUE;
}

int
skopos_file_lock (const char *path, GError **error)
{
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      throw_errno (error, errno, "Opening lock file", path);
      return -1;
    }

  while (flock (fd, LOCK_EX) != 0)
    {
      if (errno == EINTR)
        continue;
      int saved = errno;
      close (fd);
      throw_errno (error, saved, "Locking", path);
      return -1;
    }
  return fd;
}

void
skopos_file_unlock (int fd)
{
  if (fd >= 0)
    close (fd);
}
