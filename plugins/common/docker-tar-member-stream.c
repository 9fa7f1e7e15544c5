/* docker-tar-member-stream.c: a GInputStream over one member of a tar archive, read
 * through libarchive. The stream owns its libarchive handle, so streams of different
 * members are independent.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include "docker-tar-private.h"

#define DOCKER_TYPE_TAR_MEMBER_STREAM (docker_tar_member_stream_get_type ())
G_DECLARE_FINAL_TYPE (DockerTarMemberStream, docker_tar_member_stream, DOCKER, TAR_MEMBER_STREAM,
                      GInputStream)

struct _DockerTarMemberStream
{
  GInputStream parent;
  DockerTarArchive *archive;
  char *member;
  char *display_name;
  gint64 size;
  gint64 done;
};

G_DEFINE_TYPE (DockerTarMemberStream, docker_tar_member_stream, G_TYPE_INPUT_STREAM)

static gssize
member_stream_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable,
                    GError **error)
{
  DockerTarMemberStream *self = DOCKER_TAR_MEMBER_STREAM (stream);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  if (self->archive == NULL)
    return 0;

  la_ssize_t n = archive_read_data (self->archive, buffer, count);
  if (n < 0)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "Reading '%s' from '%s': %s", self->member,
                    self->display_name, archive_error_string (self->archive));
      return -1;
    }

  /* libarchive pads a short member with zeros in some cases; the header's size is
   * what the manifest was built from, so any difference is an error. */
  self->done += n;
  if (n == 0 && self->done != self->size)
    {
      skopos_throw (error, SKOPOS_ERROR_SIZE_MISMATCH,
                    "'%s' in '%s' ends after %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " bytes",
                    self->member, self->display_name, self->done, self->size);
      return -1;
    }
  return n;
}

static gboolean
member_stream_close (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  DockerTarMemberStream *self = DOCKER_TAR_MEMBER_STREAM (stream);
  g_clear_pointer (&self->archive, docker_tar_archive_free);
  return TRUE;
}

static void
member_stream_finalize (GObject *object)
{
  DockerTarMemberStream *self = DOCKER_TAR_MEMBER_STREAM (object);
  g_clear_pointer (&self->archive, docker_tar_archive_free);
  g_free (self->member);
  g_free (self->display_name);
  G_OBJECT_CLASS (docker_tar_member_stream_parent_class)->finalize (object);
}

static void
docker_tar_member_stream_class_init (DockerTarMemberStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = member_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = member_stream_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = member_stream_close;
}

static void
docker_tar_member_stream_init (DockerTarMemberStream *self)
{
}

GInputStream *
docker_tar_member_stream_new (DockerTarArchive *archive, const char *member,
                              const char *display_name, gint64 size)
{
  DockerTarMemberStream *self = g_object_new (DOCKER_TYPE_TAR_MEMBER_STREAM, NULL);
  self->archive = archive;
  self->member = g_strdup (member);
  self->display_name = g_strdup (display_name);
  self->size = size;
  return G_INPUT_STREAM (self);
}
