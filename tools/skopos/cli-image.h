/* cli-image.h: the image flags skopeo shares between commands (--creds, --tls-verify,
 * --cert-dir, --authfile, --shared-blob-dir, --daemon-host, ... with an optional
 * "src-"/"dest-" prefix, --retry-times) and how they become a SkoposContext.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <skopos/skopos.h>

#include "cli-commands.h"
#include "cli-options.h"

G_BEGIN_DECLS

/* Flags that hold for every image of a command (skopeo's sharedImageOptions). */
typedef struct
{
  char *authfile;                 /* --authfile; default $REGISTRY_AUTH_FILE */
  CliOptionalBool deprecated_tls; /* copy's hidden --tls-verify for both sides */
} CliSharedImageOptions;

typedef struct
{
  CliSharedImageOptions *shared;
  gboolean has_deprecated_tls; /* the command accepts the hidden --tls-verify */

  CliOptionalString authfile; /* --src-authfile / --dest-authfile */
  CliOptionalString creds;
  CliOptionalString username;
  CliOptionalString password;
  CliOptionalString registry_token;
  char *cert_dir;
  CliOptionalBool tls_verify;
  gboolean no_creds;
  char *shared_blob_dir;
  char *daemon_host;

  /* Destinations only. */
  gboolean dir_compress;
  gboolean dir_decompress;
  gboolean oci_accept_uncompressed;
  char *compress_format;
  CliOptionalInt compress_level;
  gboolean precompute_digests;
  gboolean force_compress_format;
} CliImageOptions;

typedef struct
{
  gint64 times;
  gint64 delay_ns;
} CliRetryOptions;

/* An option table built at run time (its names carry the prefix). */
typedef struct _CliOptionTable CliOptionTable;

CliOptionTable *cli_shared_image_flags_new (CliSharedImageOptions *shared,
                                            gboolean with_deprecated_tls);
/* @prefix: "", "src-" or "dest-"; @creds_alias: skopeo's hidden old spelling
 * ("screds", "dcreds") or NULL; @destination: add the --dest-compress family. */
CliOptionTable *cli_image_flags_new (CliImageOptions *opts,
                                     const char *prefix,
                                     const char *creds_alias,
                                     gboolean destination);
CliOptionTable *cli_retry_flags_new (CliRetryOptions *opts);
const CliOption *cli_option_table_get (CliOptionTable *table);
/* Frees the table and the values the parser stored in its targets. */
void cli_option_table_free (CliOptionTable *table);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliOptionTable, cli_option_table_free)

void cli_shared_image_options_init (CliSharedImageOptions *shared);

/* A context for one image: the global flags, then the image's own. Conflicting
 * credentials flags are errors with skopeo's wording. */
SkoposContext *cli_image_options_new_context (CliImageOptions *opts,
                                              CliGlobalOptions *global,
                                              GError **error);
/* Adds the destination-only settings; @transport_name is where the image goes
 * (to warn about --dest-compress outside dir: as skopeo does). */
gboolean cli_image_options_apply_destination (CliImageOptions *opts,
                                              SkoposContext *ctx,
                                              const char *prefix,
                                              const char *transport_name,
                                              GError **error);
void cli_retry_options_apply (CliRetryOptions *opts, SkoposContext *ctx);

/* "user[:password]" as skopeo splits it; errors for "" and ":x". */
gboolean cli_parse_creds (const char *creds, char **out_user, char **out_password,
                          GError **error);

/* The "Name" skopeo shows for a reference: its docker reference without tag or
 * digest ("docker.io/library/busybox"), or NULL when it has none. */
char *cli_reference_dup_docker_name (SkoposImageReference *ref);

G_END_DECLS
