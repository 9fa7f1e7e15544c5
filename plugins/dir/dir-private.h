/* dir-private.h: what the files of the dir transport share.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <skopos/skopos-transport-plugin.h>

G_BEGIN_DECLS

/* The version file containers/image writes and checks, byte for byte. */
#define DIR_VERSION_FILE "version"
#define DIR_VERSION_CONTENTS "Directory Transport Version: 1.1\n"
#define DIR_MANIFEST_FILE "manifest.json"
/* --dest-decompress, as the CLI sets it (skopos-context.h has no constant for it). */
#define DIR_CONTEXT_DECOMPRESS SKOPOS_CONTEXT_DIR_DECOMPRESS
/* Staging folders a destination writes into before its commit. */
#define DIR_STAGE_PREFIX ".skopos-dir-"

typedef struct
{
  char *path;
} DirReference;

/* Names of the files of an image, relative to its folder. Digests are validated
 * first, so they can never name anything outside it. */
char *dir_blob_name (const char *digest, GError **error);
char *dir_manifest_name (const char *instance_digest, GError **error);
char *dir_signature_name (const char *instance_digest, guint index, GError **error);

extern const SkoposSourceOps dir_source_ops;
extern const SkoposDestinationOps dir_destination_ops;

gboolean dir_open_source (gpointer reference,
                          SkoposContext *ctx,
                          GCancellable *cancellable,
                          gpointer *out_source,
                          GError **error);

gboolean dir_open_destination (gpointer reference,
                               SkoposContext *ctx,
                               GCancellable *cancellable,
                               gpointer *out_destination,
                               GError **error);

G_END_DECLS
