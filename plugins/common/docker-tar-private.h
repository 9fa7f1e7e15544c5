/* docker-tar-private.h: what the files of the docker tar helper library share.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include "docker-tarfile.h"

G_BEGIN_DECLS

typedef enum
{
  DOCKER_TAR_MEMBER_FILE,
  DOCKER_TAR_MEMBER_SYMLINK,
  DOCKER_TAR_MEMBER_HARDLINK,
  DOCKER_TAR_MEMBER_DIR,
  DOCKER_TAR_MEMBER_OTHER,
} DockerTarMemberType;

typedef struct
{
  char *name; /* cleaned: no "./", no "..", relative */
  DockerTarMemberType type;
  gint64 size;
  char *link;    /* links: the cleaned member name they lead to */
  guint ordinal; /* position among all headers of the archive */
} DockerTarMember;

/* One entry of manifest.json. */
typedef struct
{
  char *config;
  char **repo_tags; /* never NULL */
  char **layers;    /* never NULL */
} DockerTarManifestItem;

struct _DockerTarReader
{
  char *path;         /* the plain tar that is read */
  char *display_name; /* what errors call it: the user's path, or the daemon's image */
  gboolean remove_when_done;
  GHashTable *members; /* cleaned name → DockerTarMember* */
  GPtrArray *images;   /* DockerTarManifestItem* */
};

DockerTarArchive *docker_tar_open_plain (const char *path, const char *display_name,
                                         GError **error);
GBytes *docker_tar_read_entry_data (DockerTarArchive *archive, const char *display_name,
                                    const char *member, gsize limit, GError **error);
DockerTarManifestItem *docker_tar_reader_get_item (DockerTarReader *reader, guint index);
const char *docker_tar_reader_get_display_name (DockerTarReader *reader);
const DockerTarMember *docker_tar_reader_resolve (DockerTarReader *reader, const char *name,
                                                  GError **error);

/* A GInputStream over the current entry of @archive (taken over), failing when the
 * entry ends before @size bytes. */
GInputStream *docker_tar_member_stream_new (DockerTarArchive *archive, const char *member,
                                            const char *display_name, gint64 size);

G_END_DECLS
