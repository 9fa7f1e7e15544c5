/* skopos-manifest.h: image manifests and manifest lists in the Docker (schema 1 and 2)
 * and OCI formats: parsing, validation, serialisation, conversion, digests and the
 * choice of one instance of a list by platform.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <gio/gio.h>
#include <skopos/skopos-macros.h>

G_BEGIN_DECLS

#define SKOPOS_MEDIA_TYPE_DOCKER_V2S1 "application/vnd.docker.distribution.manifest.v1+json"
#define SKOPOS_MEDIA_TYPE_DOCKER_V2S1_SIGNED                                                       \
  "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define SKOPOS_MEDIA_TYPE_DOCKER_V2S2 "application/vnd.docker.distribution.manifest.v2+json"
#define SKOPOS_MEDIA_TYPE_DOCKER_V2_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define SKOPOS_MEDIA_TYPE_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define SKOPOS_MEDIA_TYPE_OCI_INDEX "application/vnd.oci.image.index.v1+json"

#define SKOPOS_MEDIA_TYPE_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define SKOPOS_MEDIA_TYPE_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"
#define SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define SKOPOS_MEDIA_TYPE_DOCKER_LAYER_ZSTD "application/vnd.docker.image.rootfs.diff.tar.zstd"
#define SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER                                                     \
  "application/vnd.docker.image.rootfs.foreign.diff.tar"
#define SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER_GZIP \
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define SKOPOS_MEDIA_TYPE_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define SKOPOS_MEDIA_TYPE_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define SKOPOS_MEDIA_TYPE_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define SKOPOS_MEDIA_TYPE_OCI_LAYER_ND "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_GZIP \
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_ZSTD \
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
#define SKOPOS_MEDIA_TYPE_OCI_EMPTY "application/vnd.oci.empty.v1+json"

/* The compression a layer media type implies. */
typedef enum
{
  SKOPOS_COMPRESSION_NONE,
  SKOPOS_COMPRESSION_GZIP,
  SKOPOS_COMPRESSION_ZSTD,
  SKOPOS_COMPRESSION_UNKNOWN,
} SkoposCompression;

/**
 * SkoposPlatform: the platform of one instance of a list, or the one wanted.
 */
typedef struct
{
  char *os;
  char *architecture;
  char *variant;     /* nullable */
  char *os_version;  /* nullable */
  char **os_features; /* nullable */
  char **features;   /* nullable, Docker lists only */
} SkoposPlatform;

/**
 * SkoposDescriptor: a config, layer or list entry.
 */
typedef struct
{
  char *media_type;
  char *digest;
  gint64 size;
  char **urls;              /* nullable */
  GHashTable *annotations;  /* nullable; string → string, keys kept sorted on output */
  SkoposPlatform *platform; /* nullable; list entries only */
  char *artifact_type;      /* nullable; OCI only */
  GBytes *data;             /* nullable; OCI only, the embedded content ("data") */
} SkoposDescriptor;

SKOPOS_API SkoposDescriptor *skopos_descriptor_new (const char *media_type, const char *digest,
                                                    gint64 size);
SKOPOS_API SkoposDescriptor *skopos_descriptor_copy (const SkoposDescriptor *desc);
SKOPOS_API void skopos_descriptor_free (SkoposDescriptor *desc);
SKOPOS_API SkoposPlatform *skopos_platform_copy (const SkoposPlatform *platform);
SKOPOS_API void skopos_platform_free (SkoposPlatform *platform);

/* The platform this process runs on, in Go's names (linux, amd64, arm64 + v8, …),
 * with @os, @arch and @variant (all nullable) overriding each part. */
SKOPOS_API SkoposPlatform *skopos_platform_new_for_runtime (const char *os, const char *arch,
                                                           const char *variant);

/* "linux/arm64/v8" */
SKOPOS_API char *skopos_platform_to_string (const SkoposPlatform *platform);

/**
 * SkoposManifest: one parsed manifest or manifest list. Fields are read-only for
 * users; build a changed manifest with the functions below.
 */
typedef struct
{
  char *media_type;        /* always set, detected when the document has none */
  gint schema_version;
  gboolean is_list;

  /* Single images (Docker schema 2, OCI manifest; schema 1 has no config). */
  SkoposDescriptor *config; /* nullable */
  GPtrArray *layers;        /* of SkoposDescriptor*, base layer first */

  /* Lists (Docker manifest list, OCI index). */
  GPtrArray *manifests;     /* of SkoposDescriptor* */

  GHashTable *annotations;  /* nullable */
  char *artifact_type;      /* nullable */
  SkoposDescriptor *subject; /* nullable */

  /* Docker schema 1 only. */
  char *schema1_name;
  char *schema1_tag;
  char *schema1_architecture;
  GPtrArray *schema1_history; /* of char* (v1Compatibility strings), same order as layers */

  GBytes *raw;              /* the bytes this was parsed from; NULL if built */

  /* TRUE for an OCI image manifest whose document had no mediaType field (allowed
   * before image-spec 1.0.2); serialising it again leaves the field out, as the
   * containers tools do. */
  gboolean media_type_absent;
} SkoposManifest;

/* Guesses the media type of @raw when the transport does not know it: the document's
 * own mediaType, else its shape (schemaVersion 1, "manifests", "layers"+"config"). */
SKOPOS_API char *skopos_manifest_guess_media_type (GBytes *raw);

/**
 * skopos_manifest_parse:
 * @raw: the manifest bytes
 * @media_type: (nullable): the type the transport reported; guessed from the document
 *   when NULL, empty or "application/json" (what some registries say for schema 1);
 *   any other type that is not one of the six manifest types is refused
 *
 * Parses and validates; refuses unknown types, missing or malformed digests and sizes
 * and a mediaType field that contradicts @media_type, with
 * SKOPOS_ERROR_INVALID_MANIFEST.
 */
SKOPOS_API SkoposManifest *skopos_manifest_parse (GBytes *raw, const char *media_type,
                                                  GError **error);
SKOPOS_API void skopos_manifest_free (SkoposManifest *manifest);

/* The digest of a manifest as registries compute it: sha256 of the bytes, except
 * for signed schema 1, whose digest is that of the payload without signatures. */
SKOPOS_API char *skopos_manifest_digest (GBytes *raw, GError **error);
SKOPOS_API char *skopos_manifest_digest_with_algorithm (GBytes *raw, const char *algorithm,
                                                        GError **error);

/* TRUE if @digest is the digest of @raw under the digest's own algorithm. */
SKOPOS_API gboolean skopos_manifest_matches_digest (GBytes *raw, const char *digest);

/* Serialises @manifest in its media_type, as compact JSON with fields in the order
 * the containers tools write them (so a conversion made by skopos has the same digest
 * as one made by skopeo). Lists and single images; not schema 1. */
SKOPOS_API GBytes *skopos_manifest_serialize (const SkoposManifest *manifest, GError **error);

/**
 * skopos_manifest_convert:
 * @manifest: a single-image manifest or a list
 * @target_media_type: the media type wanted
 *
 * Converts between Docker schema 2 and OCI (manifests and lists), rewriting config
 * and layer media types. Refuses, with SKOPOS_ERROR_NOT_SUPPORTED, what cannot be
 * converted without losing meaning: an OCI artifact (config not an image config),
 * zstd layers to Docker, schema 1 to anything. What Docker formats cannot hold
 * (annotations, subject, artifactType, platform-less list entries) is handled as
 * containers/image does: dropped, or for a list entry without a platform, this
 * machine's os and architecture.
 *
 * List entries keep their media types, sizes and digests: the copy engine updates
 * them with skopos_manifest_list_update_instance() once each instance is converted.
 * A single Docker schema 2 image also needs its config rewritten; this function keeps
 * the old config digest, so use skopos_manifest_convert_with_config() for a copy.
 *
 * Returns: (transfer full): a new manifest with raw == NULL
 */
SKOPOS_API SkoposManifest *skopos_manifest_convert (const SkoposManifest *manifest,
                                                    const char *target_media_type,
                                                    GError **error);

/**
 * skopos_manifest_convert_config_to_oci:
 * @docker_config: a Docker image config (application/vnd.docker.container.image.v1+json)
 *
 * Converting a Docker schema 2 image to OCI rewrites its config, as containers/image
 * does: only the fields the OCI image config defines are kept, written in the order
 * skopeo writes them. The result has a new digest and size.
 *
 * Returns: (transfer full): the OCI config bytes
 */
SKOPOS_API GBytes *skopos_manifest_convert_config_to_oci (GBytes *docker_config, GError **error);

/**
 * skopos_manifest_convert_with_config:
 * @config: (nullable): the config blob of @manifest; needed when a single Docker
 *   schema 2 image becomes OCI, ignored otherwise
 * @out_config: (out) (transfer full): the config blob to write in place of the
 *   source's, or NULL when the conversion keeps the config blob as it is
 *
 * skopos_manifest_convert(), plus the config rewrite that Docker schema 2 to OCI
 * needs; the returned manifest then names the new config. This is what the copy
 * engine should call. @config must match the manifest's config digest
 * (SKOPOS_ERROR_DIGEST_MISMATCH otherwise).
 */
SKOPOS_API SkoposManifest *skopos_manifest_convert_with_config (const SkoposManifest *manifest,
                                                                const char *target_media_type,
                                                                GBytes *config,
                                                                GBytes **out_config,
                                                                GError **error);

/* Whether skopos_manifest_convert() would succeed (without doing it). */
SKOPOS_API gboolean skopos_manifest_can_convert (const SkoposManifest *manifest,
                                                 const char *target_media_type,
                                                 GError **error);

/* A deep copy (raw is kept only if @keep_raw). */
SKOPOS_API SkoposManifest *skopos_manifest_copy (const SkoposManifest *manifest, gboolean keep_raw);

/* Replaces layer @index with @desc (taking a copy) and drops raw, as the copy engine
 * does when it recompresses a layer. */
SKOPOS_API void skopos_manifest_set_layer (SkoposManifest *manifest, guint index,
                                           const SkoposDescriptor *desc);

/* Replaces the config descriptor with a copy of @desc and drops raw. */
SKOPOS_API void skopos_manifest_set_config (SkoposManifest *manifest, const SkoposDescriptor *desc);

/* Replaces the list entry for @old_digest with a new digest, size and media type. */
SKOPOS_API gboolean skopos_manifest_list_update_instance (SkoposManifest *list,
                                                          const char *old_digest,
                                                          const char *new_digest,
                                                          gint64 new_size,
                                                          const char *new_media_type,
                                                          GError **error);

/**
 * skopos_manifest_list_choose_instance:
 * @list: a Docker manifest list or OCI index
 * @wanted: the platform wanted (see skopos_platform_new_for_runtime())
 *
 * Picks the best instance for @wanted as containers/image does: same os and
 * architecture, and a variant compatible with the wanted one (arm v7 also takes v6
 * and v5, arm64 v8 takes no variant too); earlier entries win, and in an OCI index a
 * zstd instance wins over a gzip one for the same platform. Docker list entries
 * without a platform never match; OCI index entries without one are taken only when
 * no entry matches by platform. No match is SKOPOS_ERROR_NO_MATCHING_PLATFORM,
 * naming the platform.
 *
 * Returns: (transfer none): the entry in @list
 */
SKOPOS_API const SkoposDescriptor *
skopos_manifest_list_choose_instance (const SkoposManifest *list, const SkoposPlatform *wanted,
                                      GError **error);

/* Media type helpers. */
SKOPOS_API gboolean skopos_media_type_is_list (const char *media_type);
SKOPOS_API gboolean skopos_media_type_is_manifest (const char *media_type); /* any type above */
SKOPOS_API SkoposCompression skopos_media_type_get_compression (const char *layer_media_type);
/* The media type of the same layer with another compression, in the same family
 * (Docker or OCI); NULL if there is none (zstd in Docker schema 2). */
SKOPOS_API char *skopos_media_type_with_compression (const char *layer_media_type,
                                                     SkoposCompression compression);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkoposDescriptor, skopos_descriptor_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkoposPlatform, skopos_platform_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkoposManifest, skopos_manifest_free)

G_END_DECLS
