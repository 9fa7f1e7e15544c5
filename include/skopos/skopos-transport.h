/* skopos-transport.h: transports as applications see them: finding and loading them,
 * parsing "transport:reference" strings, and the image source and destination objects
 * the copy engine and the CLI work with.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <gio/gio.h>
#include <skopos/skopos-context.h>
#include <skopos/skopos-macros.h>

G_BEGIN_DECLS

typedef struct _SkoposTransport SkoposTransport;
typedef struct _SkoposImageReference SkoposImageReference;
typedef struct _SkoposImageSource SkoposImageSource;
typedef struct _SkoposImageDestination SkoposImageDestination;

/* The folders searched for transport modules, in order: SKOPOS_TRANSPORT_PATH
 * (colon-separated), then SKOPOS_TRANSPORT_DIR or else the built-in folder. Both
 * variables are ignored in setuid processes. (transfer none) */
SKOPOS_API const char *const *skopos_transport_get_search_path (void);

/* The built-in folder (where `meson install` puts the bundled transports). */
SKOPOS_API const char *skopos_transport_get_builtin_dir (void);

/**
 * skopos_transport_lookup:
 * @name: a transport name ("oci")
 *
 * Finds and loads the transport @name on first use. Only that module is opened. A
 * missing module is SKOPOS_ERROR_UNKNOWN_TRANSPORT; one that fails the checks is
 * SKOPOS_ERROR_PLUGIN_LOAD or SKOPOS_ERROR_PLUGIN_ABI with the file and the reason.
 *
 * Returns: (transfer none): the transport, valid for the life of the process
 */
SKOPOS_API SkoposTransport *skopos_transport_lookup (const char *name, GError **error);

typedef struct
{
  char *name;   /* the name taken from the file */
  char *path;   /* the module file */
  GError *error;
} SkoposTransportFailure;

/**
 * skopos_transport_list_all:
 * @out_failures: (out) (optional): a GPtrArray of SkoposTransportFailure*
 *
 * Loads every module in the search path (first file of a name wins).
 *
 * Returns: (transfer container): GPtrArray of SkoposTransport*, sorted by name
 */
SKOPOS_API GPtrArray *skopos_transport_list_all (GPtrArray **out_failures);
SKOPOS_API void skopos_transport_failure_free (SkoposTransportFailure *failure);

SKOPOS_API const char *skopos_transport_get_name (SkoposTransport *transport);
SKOPOS_API const char *skopos_transport_get_summary (SkoposTransport *transport);
SKOPOS_API const char *skopos_transport_get_version (SkoposTransport *transport);
SKOPOS_API const char *skopos_transport_get_path (SkoposTransport *transport);
SKOPOS_API guint skopos_transport_get_flags (SkoposTransport *transport);
/* "read", "write", "delete", "list-tags", "signatures", "credentials" (transfer full) */
SKOPOS_API char **skopos_transport_dup_capability_names (SkoposTransport *transport);

/* Checks credentials through a transport that can (the docker one). */
SKOPOS_API gboolean skopos_transport_check_credentials (SkoposTransport *transport,
                                                        const char *registry,
                                                        const char *username,
                                                        const char *password,
                                                        SkoposContext *ctx,
                                                        GCancellable *cancellable,
                                                        GError **error);

/* ---- Image references -------------------------------------------------------- */

/**
 * skopos_image_reference_parse:
 * @text: "transport:reference", e.g. "oci:/srv/layout:v1" or "docker://busybox"
 *
 * Splits at the first colon, loads that transport and lets it parse the rest.
 */
SKOPOS_API SkoposImageReference *skopos_image_reference_parse (const char *text, GError **error);

SKOPOS_API SkoposImageReference *skopos_image_reference_ref (SkoposImageReference *ref);
SKOPOS_API void skopos_image_reference_unref (SkoposImageReference *ref);

SKOPOS_API SkoposTransport *skopos_image_reference_get_transport (SkoposImageReference *ref);
/* "oci:/srv/layout:v1" */
SKOPOS_API char *skopos_image_reference_to_string (SkoposImageReference *ref);
/* The part after the transport name. */
SKOPOS_API char *skopos_image_reference_dup_within_transport (SkoposImageReference *ref);
/* nullable */
SKOPOS_API char *skopos_image_reference_dup_docker_reference (SkoposImageReference *ref);
SKOPOS_API char *skopos_image_reference_dup_policy_identity (SkoposImageReference *ref);

SKOPOS_API SkoposImageSource *skopos_image_reference_open_source (SkoposImageReference *ref,
                                                                  SkoposContext *ctx,
                                                                  GCancellable *cancellable,
                                                                  GError **error);

SKOPOS_API SkoposImageDestination *
skopos_image_reference_open_destination (SkoposImageReference *ref,
                                         SkoposContext *ctx,
                                         GCancellable *cancellable,
                                         GError **error);

SKOPOS_API gboolean skopos_image_reference_delete (SkoposImageReference *ref,
                                                   SkoposContext *ctx,
                                                   GCancellable *cancellable,
                                                   GError **error);

/* Returns: (transfer full): GPtrArray of char* */
SKOPOS_API GPtrArray *skopos_image_reference_list_tags (SkoposImageReference *ref,
                                                        SkoposContext *ctx,
                                                        GCancellable *cancellable,
                                                        GError **error);

/* ---- Sources ------------------------------------------------------------------ */

SKOPOS_API SkoposImageReference *skopos_image_source_get_reference (SkoposImageSource *src);

/* Fetches a manifest and checks it: with @instance_digest, the bytes must hash to it.
 * @out_media_type is never NULL or empty on success (guessed when the transport does
 * not know). */
SKOPOS_API gboolean skopos_image_source_get_manifest (SkoposImageSource *src,
                                                      const char *instance_digest,
                                                      GBytes **out_manifest,
                                                      char **out_media_type,
                                                      GCancellable *cancellable,
                                                      GError **error);

/* A stream of the blob that fails at its end if the digest (or a known size) does
 * not match. @digest must be valid; @size may be -1. */
SKOPOS_API GInputStream *skopos_image_source_get_blob (SkoposImageSource *src,
                                                       const char *digest,
                                                       gint64 size,
                                                       const char *media_type,
                                                       const char *const *urls,
                                                       gint64 *out_size,
                                                       GCancellable *cancellable,
                                                       GError **error);

/* Reads a whole (small) blob, verified: for configs. */
SKOPOS_API GBytes *skopos_image_source_read_blob (SkoposImageSource *src,
                                                  const char *digest,
                                                  gint64 size,
                                                  GCancellable *cancellable,
                                                  GError **error);

/* Signatures (GPtrArray of GBytes); empty when the transport has none. */
SKOPOS_API GPtrArray *skopos_image_source_get_signatures (SkoposImageSource *src,
                                                          const char *instance_digest,
                                                          GCancellable *cancellable,
                                                          GError **error);

SKOPOS_API void skopos_image_source_unref (SkoposImageSource *src);
SKOPOS_API SkoposImageSource *skopos_image_source_ref (SkoposImageSource *src);

/* ---- Destinations ------------------------------------------------------------- */

SKOPOS_API SkoposImageReference *
skopos_image_destination_get_reference (SkoposImageDestination *dest);
/* nullable: any type */
SKOPOS_API const char *const *skopos_image_destination_get_supported_manifest_types (
    SkoposImageDestination *dest);
SKOPOS_API gboolean skopos_image_destination_supports_lists (SkoposImageDestination *dest);
SKOPOS_API int
skopos_image_destination_get_desired_layer_compression (SkoposImageDestination *dest);
SKOPOS_API gboolean skopos_image_destination_accepts_foreign_layers (SkoposImageDestination *dest);
SKOPOS_API gboolean skopos_image_destination_supports_signatures (SkoposImageDestination *dest);

/* Hands @stream to the destination wrapped in a verifying stream for @digest/@size. */
SKOPOS_API gboolean skopos_image_destination_put_blob (SkoposImageDestination *dest,
                                                       GInputStream *stream,
                                                       const char *digest,
                                                       gint64 size,
                                                       const char *media_type,
                                                       gboolean is_config,
                                                       const char *source_docker_reference,
                                                       GCancellable *cancellable,
                                                       GError **error);

SKOPOS_API gboolean skopos_image_destination_try_reusing_blob (SkoposImageDestination *dest,
                                                               const char *digest,
                                                               gint64 size,
                                                               const char *media_type,
                                                               gboolean is_config,
                                                               const char *source_docker_reference,
                                                               gboolean *out_reused,
                                                               GCancellable *cancellable,
                                                               GError **error);

SKOPOS_API gboolean skopos_image_destination_put_manifest (SkoposImageDestination *dest,
                                                           GBytes *manifest,
                                                           const char *media_type,
                                                           const char *instance_digest,
                                                           GCancellable *cancellable,
                                                           GError **error);

SKOPOS_API gboolean skopos_image_destination_put_signatures (SkoposImageDestination *dest,
                                                             GPtrArray *signatures,
                                                             const char *instance_digest,
                                                             GCancellable *cancellable,
                                                             GError **error);

SKOPOS_API gboolean skopos_image_destination_commit (SkoposImageDestination *dest,
                                                     GCancellable *cancellable,
                                                     GError **error);

/* Releases the destination; without commit, everything put is discarded. */
SKOPOS_API void skopos_image_destination_unref (SkoposImageDestination *dest);
SKOPOS_API SkoposImageDestination *skopos_image_destination_ref (SkoposImageDestination *dest);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkoposImageReference, skopos_image_reference_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkoposImageSource, skopos_image_source_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkoposImageDestination, skopos_image_destination_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkoposTransportFailure, skopos_transport_failure_free)

G_END_DECLS
