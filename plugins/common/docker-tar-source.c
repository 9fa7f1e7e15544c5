/* docker-tar-source.c: one image of a `docker save` archive as a transport source.
 *
 * docker-archive reads an archive the user names; docker-daemon reads the archive
 * the daemon exports. From there on both are the same source: the manifest made up
 * from manifest.json and the config, and blobs served from archive members.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include "docker-tarfile.h"

typedef struct
{
  DockerTarReader *reader;
  DockerTarImage *image;
} DockerTarSource;

static void
docker_tar_source_free (DockerTarSource *src)
{
  if (src == NULL)
    return;
  g_clear_pointer (&src->image, docker_tar_image_free);
  g_clear_pointer (&src->reader, docker_tar_reader_free);
  g_free (src);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DockerTarSource, docker_tar_source_free)

gboolean
docker_tar_source_open (const char *path,
                        const char *display_name,
                        const char *tmpdir,
                        gboolean remove_when_done,
                        const SkoposDockerReference *tag,
                        gint64 index,
                        gpointer *out_source,
                        GCancellable *cancellable,
                        GError **error)
{
  g_autoptr (DockerTarSource) src = g_new0 (DockerTarSource, 1);

  src->reader = docker_tar_reader_open_file (path, display_name, tmpdir, remove_when_done,
                                             cancellable, error);
  if (src->reader == NULL)
    return FALSE;

  guint chosen = 0;
  if (!docker_tar_reader_choose (src->reader, tag, index, &chosen, error))
    return FALSE;
  src->image = docker_tar_image_new (src->reader, chosen, cancellable, error);
  if (src->image == NULL)
    return FALSE;

  *out_source = g_steal_pointer (&src);
  return TRUE;
}

static gboolean
source_get_manifest (gpointer source, const char *instance_digest, GBytes **out_manifest,
                     char **out_media_type, GCancellable *cancellable, GError **error)
{
  DockerTarSource *src = source;
  if (instance_digest != NULL)
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "docker-save archives hold no manifest lists (asked for %s)",
                         instance_digest);
  *out_manifest = g_bytes_ref (docker_tar_image_get_manifest (src->image));
  *out_media_type = g_strdup (SKOPOS_MEDIA_TYPE_DOCKER_V2S2);
  return TRUE;
}

static gboolean
source_get_blob (gpointer source, const SkoposBlobInfo *info, GInputStream **out_stream,
                 gint64 *out_size, GCancellable *cancellable, GError **error)
{
  DockerTarSource *src = source;
  return docker_tar_image_get_blob (src->image, info->digest, out_stream, out_size, cancellable,
                                    error);
}

static void
source_free (gpointer source)
{
  docker_tar_source_free (source);
}

const SkoposSourceOps docker_tar_source_ops = {
  .struct_size = sizeof (SkoposSourceOps),
  .get_manifest = source_get_manifest,
  .get_blob = source_get_blob,
  .free = source_free,
};
