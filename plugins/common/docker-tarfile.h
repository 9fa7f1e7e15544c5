/* docker-tarfile.h: the `docker save` archive format, shared by the docker-archive and
 * docker-daemon transports.
 *
 * An archive holds manifest.json (a list of images, each naming its config member,
 * its tags and one tar member per layer), the legacy `repositories` file and
 * per-layer folders, the config blobs and the layer tars. Reading takes what docker,
 * podman and skopeo write; writing produces one forward stream that `docker load` and
 * `podman load` accept.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <skopos/skopos-transport-plugin.h>

G_BEGIN_DECLS

/* The most we read into memory for manifest.json, `repositories` or a config. */
#define DOCKER_TAR_MAX_JSON_SIZE (16 * 1024 * 1024)

/* libarchive handles and entries, with cleanups. */
typedef struct archive DockerTarArchive;
typedef struct archive_entry DockerTarEntry;
void docker_tar_archive_free (DockerTarArchive *archive);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DockerTarArchive, docker_tar_archive_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DockerTarEntry, archive_entry_free)

/* ---- Reading ----------------------------------------------------------------------- */

typedef struct _DockerTarReader DockerTarReader;

/**
 * docker_tar_reader_open_file:
 * @path: the archive
 * @display_name: (nullable): what errors call the archive (default: @path)
 * @tmpdir: where a decompressed copy goes when one is needed
 * @remove_when_done: whether @path is a temporary plain tar that the reader now owns
 *   (removed when the reader is freed, or at once on failure)
 *
 * Reads the member index and manifest.json. A regular, uncompressed file is read in
 * place; a compressed one (gzip, bzip2, xz, zstd) or one that cannot be read twice (a
 * pipe, /dev/stdin) is first copied, decompressed, into a temporary file. Member names
 * with ".." or a leading "/", links leading outside the archive, a member stored twice
 * and a missing or malformed manifest.json are refused here.
 */
DockerTarReader *docker_tar_reader_open_file (const char *path,
                                              const char *display_name,
                                              const char *tmpdir,
                                              gboolean remove_when_done,
                                              GCancellable *cancellable,
                                              GError **error);

void docker_tar_reader_free (DockerTarReader *reader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DockerTarReader, docker_tar_reader_free)

guint docker_tar_reader_get_n_images (DockerTarReader *reader);

/* The RepoTags of image @index as manifest.json spells them (transfer none). */
const char *const *docker_tar_reader_get_repo_tags (DockerTarReader *reader, guint index);

/**
 * docker_tar_reader_choose:
 * @tag: (nullable): a tagged docker reference to look for
 * @index: the image's position, or -1
 *
 * Picks an image by tag, by position, or (with neither) the only one. An archive of
 * several images without a selector is refused as ambiguous; an unknown tag or a
 * position out of range is SKOPOS_ERROR_NOT_FOUND; each error says how many images
 * the archive holds.
 */
gboolean docker_tar_reader_choose (DockerTarReader *reader,
                                   const SkoposDockerReference *tag,
                                   gint64 index,
                                   guint *out_index,
                                   GError **error);

/* Every tag as manifest.json spells it, image by image; "@N" stands for an image
 * without tags, as `skopeo list-tags docker-archive:` prints them. */
GPtrArray *docker_tar_reader_list_tags (DockerTarReader *reader);

/* A stream of the bytes of member @name (links followed) and its size. */
GInputStream *docker_tar_reader_open_member (DockerTarReader *reader,
                                             const char *name,
                                             gint64 *out_size,
                                             GError **error);

/* ---- One image of an archive, as a source -------------------------------------------- */

typedef struct _DockerTarImage DockerTarImage;

/**
 * docker_tar_image_new:
 * @reader: (transfer none): must outlive the image
 *
 * Reads the config of image @index, checks it against manifest.json (layer count,
 * members present, a config named by its digest having that digest) and measures
 * each layer (decompressing the ones stored compressed), so the Docker schema 2
 * manifest it describes is exact.
 */
DockerTarImage *docker_tar_image_new (DockerTarReader *reader,
                                      guint index,
                                      GCancellable *cancellable,
                                      GError **error);
void docker_tar_image_free (DockerTarImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DockerTarImage, docker_tar_image_free)

/* The Docker schema 2 manifest: layers are named by their diff IDs (transfer none). */
GBytes *docker_tar_image_get_manifest (DockerTarImage *image);

/* The config, or a layer by its diff ID, decompressed. Thread-safe. */
gboolean docker_tar_image_get_blob (DockerTarImage *image,
                                    const char *digest,
                                    GInputStream **out_stream,
                                    gint64 *out_size,
                                    GCancellable *cancellable,
                                    GError **error);

/**
 * docker_tar_source_open:
 * @path, @display_name, @tmpdir, @remove_when_done: as for docker_tar_reader_open_file()
 * @tag, @index: as for docker_tar_reader_choose()
 * @out_source: a handle for docker_tar_source_ops
 *
 * Opens one image of an archive as a transport source (docker-archive and
 * docker-daemon both read through it).
 */
gboolean docker_tar_source_open (const char *path,
                                 const char *display_name,
                                 const char *tmpdir,
                                 gboolean remove_when_done,
                                 const SkoposDockerReference *tag,
                                 gint64 index,
                                 gpointer *out_source,
                                 GCancellable *cancellable,
                                 GError **error);

extern const SkoposSourceOps docker_tar_source_ops;

/* ---- Writing ----------------------------------------------------------------------- */

typedef struct _DockerTarWriter DockerTarWriter;

/* Writes an archive to @output, strictly forward. Layers that arrive compressed, or
 * without a known size, are decompressed into a temporary file in @tmpdir first. */
DockerTarWriter *docker_tar_writer_new (GOutputStream *output, const char *tmpdir);

/* Frees the writer; without docker_tar_writer_finish() nothing more is written, so a
 * reader of the stream sees a truncated archive, never a complete-looking one. */
void docker_tar_writer_free (DockerTarWriter *writer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DockerTarWriter, docker_tar_writer_free)

/* Whether a blob with @digest was stored already, and its size. */
gboolean docker_tar_writer_has_blob (DockerTarWriter *writer, const char *digest, gint64 *out_size);

/* Stores a config or a layer; reads @stream to its end. */
gboolean docker_tar_writer_put_blob (DockerTarWriter *writer,
                                     GInputStream *stream,
                                     const SkoposBlobInfo *info,
                                     GCancellable *cancellable,
                                     GError **error);

/**
 * docker_tar_writer_add_image:
 * @manifest: a Docker schema 2 manifest whose config and layers were put before
 * @repo_tags: (nullable): "name:tag" strings for RepoTags and `repositories`
 *
 * Records the image for manifest.json and writes its legacy layer folders.
 */
gboolean docker_tar_writer_add_image (DockerTarWriter *writer,
                                      GBytes *manifest,
                                      const char *media_type,
                                      const char *const *repo_tags,
                                      GCancellable *cancellable,
                                      GError **error);

/* Writes manifest.json, `repositories` and the end of the archive, and flushes. */
gboolean docker_tar_writer_finish (DockerTarWriter *writer,
                                   GCancellable *cancellable,
                                   GError **error);

/* ---- Shared by both transports ------------------------------------------------------- */

/* The manifest types a docker archive stores (NULL-terminated). */
extern const char *const docker_tar_manifest_types[];

/* Checks a RepoTags entry for a destination and returns it as "name:tag" with the
 * domain spelled out, as containers/image writes it. A reference without a tag, or
 * with a digest, is refused. */
char *docker_tar_repo_tag_from_string (const char *text, GError **error);

/* Cleans an archive member name: drops "./" and empty components. Absolute names and
 * ".." components are refused. "" (the archive's root) is allowed. */
char *docker_tar_clean_member_name (const char *name, GError **error);

G_END_DECLS
