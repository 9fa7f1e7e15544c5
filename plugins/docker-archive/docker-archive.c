/* docker-archive.c: the docker-archive transport, images in `docker save` archives.
 *
 * References are PATH[:REFERENCE|:@INDEX]: the archive, then optionally the image in
 * it, by tag or by position. Reading accepts what docker, podman and skopeo write
 * (compressed as a whole or not, from a file or a pipe); the format itself lives in
 * plugins/common (docker-tarfile.h), shared with docker-daemon.
 *
 * Writing makes a new archive holding one image, tagged with the reference's tag and
 * any --additional-tag. The archive is one forward stream. When PATH is a regular file
 * (or does not exist yet) it is written to a temporary file beside PATH and renamed
 * over it at commit, so a failed copy leaves nothing at PATH; a pipe or character
 * device (/dev/stdout) is written directly. As in containers/image, an existing
 * non-empty file is refused rather than replaced.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docker-tarfile.h"

#define OUTPUT_BUFFER_SIZE (1024 * 1024)

typedef struct
{
  char *path;
  SkoposDockerReference *ref; /* nullable; always tagged */
  gint64 index;               /* -1 when not given */
} ArchiveReference;

typedef struct
{
  char *path;
  char *final_path; /* a regular file: where the archive appears at commit */
  char *tmp_path;   /* a regular file: what is being written */
  int fd;           /* the output, owned by @output */
  GOutputStream *output;
  DockerTarWriter *writer;
  GPtrArray *repo_tags; /* "name:tag" */
  gboolean committed;
} ArchiveDestination;

static void
archive_reference_free (ArchiveReference *ref)
{
  if (ref == NULL)
    return;
  g_free (ref->path);
  g_clear_pointer (&ref->ref, skopos_docker_reference_free);
  g_free (ref);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArchiveReference, archive_reference_free)

static void
archive_destination_free (ArchiveDestination *dest)
{
  if (dest == NULL)
    return;

  /* Without commit the writer stops where it is, the output is closed, and a
   * temporary file is removed: PATH never sees a partial archive. */
  g_clear_pointer (&dest->writer, docker_tar_writer_free);
  if (dest->output != NULL)
    {
      (void) g_output_stream_close (dest->output, NULL, NULL);
      g_object_unref (dest->output);
    }
  if (!dest->committed && dest->tmp_path != NULL && g_unlink (dest->tmp_path) != 0)
    g_debug ("could not remove '%s': %s", dest->tmp_path, g_strerror (errno));
  g_free (dest->tmp_path);
  g_free (dest->final_path);
  g_free (dest->path);
  g_clear_pointer (&dest->repo_tags, g_ptr_array_unref);
  g_free (dest);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArchiveDestination, archive_destination_free)

/* ---- references --------------------------------------------------------------------- */

static gboolean
parse_index (const char *text, const char *whole, gint64 *out_index, GError **error)
{
  guint64 value = 0;
  g_autoptr (GError) local_error = NULL;
  if (*text == '\0' || !g_ascii_isdigit (*text)
      || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT, &value, &local_error))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "Invalid docker-archive reference '%s': '@%s' is not an image index "
                         "(@0, @1, ...)", whole, text);
  *out_index = (gint64) value;
  return TRUE;
}

static gboolean
archive_parse_reference (const char *text, gpointer *out_reference, GError **error)
{
  const char *colon = strchr (text, ':');
  g_autofree char *path = colon ? g_strndup (text, colon - text) : g_strdup (text);
  if (*path == '\0')
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "Invalid docker-archive reference '%s': expected "
                         "PATH[:REFERENCE|:@INDEX]", text);

  g_autoptr (ArchiveReference) ref = g_new0 (ArchiveReference, 1);
  ref->index = -1;
  if (colon != NULL && colon[1] == '@')
    {
      if (!parse_index (colon + 2, text, &ref->index, error))
        return FALSE;
    }
  else if (colon != NULL)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (SkoposDockerReference) named = skopos_docker_reference_parse (colon + 1,
                                                                              &local_error);
      if (named == NULL)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                             "Invalid docker-archive reference '%s': %s", text,
                             local_error->message);
      if (skopos_docker_reference_get_digest (named) != NULL)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                             "Invalid docker-archive reference '%s': docker-archive does not "
                             "support digest references", text);
      ref->ref = skopos_docker_reference_with_default_tag (named);
    }

  ref->path = g_steal_pointer (&path);
  *out_reference = g_steal_pointer (&ref);
  return TRUE;
}

static char *
archive_to_string (gpointer reference)
{
  ArchiveReference *ref = reference;
  if (ref->ref != NULL)
    {
      g_autofree char *name = skopos_docker_reference_to_string (ref->ref);
      return g_strdup_printf ("%s:%s", ref->path, name);
    }
  if (ref->index >= 0)
    return g_strdup_printf ("%s:@%" G_GINT64_FORMAT, ref->path, ref->index);
  return g_strdup (ref->path);
}

static char *
archive_docker_reference (gpointer reference)
{
  ArchiveReference *ref = reference;
  return ref->ref ? skopos_docker_reference_to_string (ref->ref) : NULL;
}

/* An archive can hold anything under any name, so, as in containers/image, only the
 * transport's default policy scope applies. */
static char *
archive_policy_identity (gpointer reference)
{
  return g_strdup ("");
}

static void
archive_reference_free_handle (gpointer reference)
{
  archive_reference_free (reference);
}

/* ---- reading ------------------------------------------------------------------------ */

static gboolean
archive_open_source (gpointer reference, SkoposContext *ctx, GCancellable *cancellable,
                     gpointer *out_source, GError **error)
{
  ArchiveReference *ref = reference;
  return docker_tar_source_open (ref->path, NULL, skopos_context_get_tmpdir (ctx), FALSE,
                                 ref->ref, ref->index, out_source, cancellable, error);
}

static gboolean
archive_list_tags (gpointer reference, SkoposContext *ctx, GCancellable *cancellable,
                   GPtrArray **out_tags, GError **error)
{
  ArchiveReference *ref = reference;
  g_autoptr (DockerTarReader) reader = docker_tar_reader_open_file (
      ref->path, NULL, skopos_context_get_tmpdir (ctx), FALSE, cancellable, error);
  if (reader == NULL)
    return FALSE;
  g_autoptr (GPtrArray) tags = docker_tar_reader_list_tags (reader);

  /* Tags come from the archive's manifest.json as written by whoever made it: one that
   * is not a valid docker reference is refused, as skopeo refuses it. */
  for (guint i = 0; i < tags->len; i++)
    {
      const char *tag = tags->pdata[i];
      g_autoptr (GError) local_error = NULL;
      if (tag[0] == '@')
        continue;
      g_autoptr (SkoposDockerReference) parsed = skopos_docker_reference_parse (tag, &local_error);
      if (parsed == NULL)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                             "invalid tag '%s' in the manifest.json of '%s': %s", tag, ref->path,
                             local_error->message);
    }

  *out_tags = g_steal_pointer (&tags);
  return TRUE;
}

/* ---- writing ------------------------------------------------------------------------ */

static gboolean
throw_errno (GError **error, int saved_errno, const char *what, const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s '%s': %s", what, path,
               g_strerror (saved_errno));
  return FALSE;
}

/* Opens what the archive is written to: a temporary file beside a regular PATH, or
 * PATH itself when it is a pipe or a device. */
static gboolean
open_output (ArchiveDestination *dest, GError **error)
{
  struct stat st;
  gboolean exists = stat (dest->path, &st) == 0;
  if (!exists && errno != ENOENT)
    return throw_errno (error, errno, "Opening", dest->path);

  if (exists && S_ISDIR (st.st_mode))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "'%s' is a folder; docker-archive writes a file", dest->path);

  if (exists && !S_ISREG (st.st_mode))
    {
      dest->fd = open (dest->path, O_WRONLY | O_CLOEXEC);
      if (dest->fd < 0)
        return throw_errno (error, errno, "Opening", dest->path);
      g_debug ("writing the archive straight into '%s' (not a regular file)", dest->path);
    }
  else
    {
      if (exists && st.st_size > 0)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                             "'%s' exists and is not empty; docker-archive does not support "
                             "modifying existing archives", dest->path);

      /* Through a symbolic link, the archive replaces the file the link names. */
      char *resolved = exists ? realpath (dest->path, NULL) : NULL;
      dest->final_path = resolved ? g_strdup (resolved) : g_strdup (dest->path);
      free (resolved);

      g_autofree char *dir = g_path_get_dirname (dest->final_path);
      g_autofree char *base = g_path_get_basename (dest->final_path);
      g_autofree char *name = g_strdup_printf (".%s.skopos-XXXXXX", base);
      dest->tmp_path = g_build_filename (dir, name, NULL);
      dest->fd = g_mkstemp_full (dest->tmp_path, O_WRONLY | O_CLOEXEC, 0644);
      if (dest->fd < 0)
        {
          g_clear_pointer (&dest->tmp_path, g_free);
          return throw_errno (error, errno, "Creating a temporary file in", dir);
        }
      g_debug ("writing the archive into '%s', to become '%s'", dest->tmp_path,
               dest->final_path);
    }

  g_autoptr (GOutputStream) raw = g_unix_output_stream_new (dest->fd, TRUE);
  dest->output = g_buffered_output_stream_new_sized (raw, OUTPUT_BUFFER_SIZE);
  return TRUE;
}

static gboolean
collect_repo_tags (ArchiveDestination *dest, ArchiveReference *ref, SkoposContext *ctx,
                   GError **error)
{
  dest->repo_tags = g_ptr_array_new_with_free_func (g_free);
  if (ref->ref != NULL)
    {
      g_autofree char *name = skopos_docker_reference_dup_name (ref->ref);
      g_ptr_array_add (dest->repo_tags,
                       g_strdup_printf ("%s:%s", name, skopos_docker_reference_get_tag (ref->ref)));
    }

  const char *const *extra = skopos_context_get_strv (ctx, SKOPOS_CONTEXT_ADDITIONAL_TAGS);
  for (; extra != NULL && *extra != NULL; extra++)
    {
      g_autofree char *tag = docker_tar_repo_tag_from_string (*extra, error);
      if (tag == NULL)
        return skopos_prefix_error (error, "Invalid --additional-tag '%s': ", *extra);
      if (!g_ptr_array_find_with_equal_func (dest->repo_tags, tag, g_str_equal, NULL))
        g_ptr_array_add (dest->repo_tags, g_steal_pointer (&tag));
    }
  g_ptr_array_add (dest->repo_tags, NULL);
  return TRUE;
}

static gboolean
archive_open_destination (gpointer reference, SkoposContext *ctx, GCancellable *cancellable,
                          gpointer *out_destination, GError **error)
{
  ArchiveReference *ref = reference;
  if (ref->index >= 0)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "a docker-archive destination cannot name an image index "
                         "(@%" G_GINT64_FORMAT ")", ref->index);

  g_autoptr (ArchiveDestination) dest = g_new0 (ArchiveDestination, 1);
  dest->fd = -1;
  dest->path = g_strdup (ref->path);
  if (!collect_repo_tags (dest, ref, ctx, error) || !open_output (dest, error))
    return FALSE;

  dest->writer = docker_tar_writer_new (dest->output, skopos_context_get_tmpdir (ctx));
  *out_destination = g_steal_pointer (&dest);
  return TRUE;
}

static const char *const *
archive_supported_manifest_types (gpointer destination)
{
  return docker_tar_manifest_types;
}

/* Layers are stored as plain tars whose digest is their diff ID, as docker does. */
static SkoposLayerCompressionPolicy
archive_desired_layer_compression (gpointer destination)
{
  return SKOPOS_LAYER_COMPRESSION_DECOMPRESS;
}

static gboolean
archive_accepts_foreign_layers (gpointer destination)
{
  return FALSE;
}

static gboolean
archive_put_blob (gpointer destination, GInputStream *stream, const SkoposBlobInfo *info,
                  GCancellable *cancellable, GError **error)
{
  ArchiveDestination *dest = destination;
  return docker_tar_writer_put_blob (dest->writer, stream, info, cancellable, error);
}

static gboolean
archive_try_reusing_blob (gpointer destination, const SkoposBlobInfo *info, gboolean *out_reused,
                          gint64 *out_size, GCancellable *cancellable, GError **error)
{
  ArchiveDestination *dest = destination;
  *out_reused = docker_tar_writer_has_blob (dest->writer, info->digest, out_size);
  return TRUE;
}

static gboolean
archive_put_manifest (gpointer destination, GBytes *manifest, const char *media_type,
                      const char *instance_digest, GCancellable *cancellable, GError **error)
{
  ArchiveDestination *dest = destination;
  if (instance_digest != NULL)
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "docker archives cannot hold manifest lists");
  return docker_tar_writer_add_image (dest->writer, manifest, media_type,
                                      (const char *const *) dest->repo_tags->pdata, cancellable,
                                      error);
}

static gboolean
archive_commit (gpointer destination, GCancellable *cancellable, GError **error)
{
  ArchiveDestination *dest = destination;

  if (!docker_tar_writer_finish (dest->writer, cancellable, error))
    return skopos_prefix_error (error, "Writing '%s': ", dest->path);

  if (dest->tmp_path != NULL && fsync (dest->fd) != 0)
    return throw_errno (error, errno, "Writing", dest->tmp_path);
  if (!g_output_stream_close (dest->output, cancellable, error))
    return skopos_prefix_error (error, "Writing '%s': ", dest->path);

  if (dest->tmp_path != NULL && g_rename (dest->tmp_path, dest->final_path) != 0)
    return throw_errno (error, errno, "Renaming the finished archive to", dest->final_path);
  dest->committed = TRUE;
  return TRUE;
}

static void
archive_destination_free_handle (gpointer destination)
{
  archive_destination_free (destination);
}

/* ---- the descriptor ----------------------------------------------------------------- */

static const SkoposReferenceOps archive_reference_ops = {
  .struct_size = sizeof (SkoposReferenceOps),
  .to_string = archive_to_string,
  .docker_reference = archive_docker_reference,
  .policy_identity = archive_policy_identity,
  .open_source = archive_open_source,
  .open_destination = archive_open_destination,
  .free = archive_reference_free_handle,
};

static const SkoposDestinationOps archive_destination_ops = {
  .struct_size = sizeof (SkoposDestinationOps),
  .supported_manifest_types = archive_supported_manifest_types,
  .desired_layer_compression = archive_desired_layer_compression,
  .accepts_foreign_layers = archive_accepts_foreign_layers,
  .put_blob = archive_put_blob,
  .try_reusing_blob = archive_try_reusing_blob,
  .put_manifest = archive_put_manifest,
  .commit = archive_commit,
  .free = archive_destination_free_handle,
};

static const SkoposTransportDescriptor archive_descriptor = {
  .abi_major = SKOPOS_TRANSPORT_ABI_MAJOR,
  .abi_minor = SKOPOS_TRANSPORT_ABI_MINOR,
  .struct_size = sizeof (SkoposTransportDescriptor),
  .name = "docker-archive",
  .summary = "Images in `docker save` archives (docker-archive:PATH[:REFERENCE|:@INDEX])",
  .version = SKOPOS_VERSION_S,
  .flags = SKOPOS_TRANSPORT_CAN_READ | SKOPOS_TRANSPORT_CAN_WRITE
           | SKOPOS_TRANSPORT_CAN_LIST_TAGS | SKOPOS_TRANSPORT_THREADSAFE_GET_BLOB,
  .parse_reference = archive_parse_reference,
  .list_tags = archive_list_tags,
  .reference_ops = &archive_reference_ops,
  .source_ops = &docker_tar_source_ops,
  .destination_ops = &archive_destination_ops,
};

SKOPOS_TRANSPORT_EXPORT const SkoposTransportDescriptor *
skopos_transport_get_descriptor (void)
{
  return &archive_descriptor;
}
