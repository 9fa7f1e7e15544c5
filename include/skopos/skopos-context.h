/* skopos-context.h: the settings one side of an operation runs with (what skopeo
 * calls a SystemContext): credentials, TLS, folders, platform overrides and
 * transport-specific options, as typed key/value pairs. A new option needs only a new
 * key, never an ABI change.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <skopos/skopos-macros.h>

G_BEGIN_DECLS

/* Keys understood by the core and the bundled transports. Strings unless noted. */
#define SKOPOS_CONTEXT_TMPDIR "tmpdir"
#define SKOPOS_CONTEXT_OVERRIDE_OS "override-os"
#define SKOPOS_CONTEXT_OVERRIDE_ARCH "override-arch"
#define SKOPOS_CONTEXT_OVERRIDE_VARIANT "override-variant"
#define SKOPOS_CONTEXT_SHARED_BLOB_DIR "shared-blob-dir"                 /* oci */
#define SKOPOS_CONTEXT_OCI_ACCEPT_UNCOMPRESSED "oci-accept-uncompressed" /* boolean, oci */
#define SKOPOS_CONTEXT_AUTHFILE "authfile"
#define SKOPOS_CONTEXT_CREDS "creds"                   /* "user[:password]" */
#define SKOPOS_CONTEXT_USERNAME "username"
#define SKOPOS_CONTEXT_PASSWORD "password"
#define SKOPOS_CONTEXT_NO_CREDS "no-creds"             /* boolean */
#define SKOPOS_CONTEXT_REGISTRY_TOKEN "registry-token"
#define SKOPOS_CONTEXT_TLS_VERIFY "tls-verify"         /* boolean; unset means default */
#define SKOPOS_CONTEXT_CERT_DIR "cert-dir"
#define SKOPOS_CONTEXT_USER_AGENT "user-agent"
#define SKOPOS_CONTEXT_RETRY_TIMES "retry-times"       /* int */
#define SKOPOS_CONTEXT_RETRY_DELAY_MS "retry-delay-ms" /* int */
#define SKOPOS_CONTEXT_DAEMON_HOST "daemon-host"       /* docker-daemon */
#define SKOPOS_CONTEXT_ADDITIONAL_TAGS "additional-tags" /* strv, docker-archive */
#define SKOPOS_CONTEXT_REGISTRIES_CONF "registries-conf"
#define SKOPOS_CONTEXT_DIR_COMPRESS "dir-compress"     /* boolean, dir --dest-compress */
#define SKOPOS_CONTEXT_DIR_DECOMPRESS "dir-decompress" /* boolean, dir --dest-decompress */
#define SKOPOS_CONTEXT_COMPRESSION_FORMAT "compression-format" /* "gzip" or "zstd" */
#define SKOPOS_CONTEXT_COMPRESSION_LEVEL "compression-level"   /* int */
#define SKOPOS_CONTEXT_FORCE_COMPRESSION_FORMAT "force-compression-format" /* boolean */
#define SKOPOS_CONTEXT_COMMAND_TIMEOUT_MS "command-timeout-ms" /* int */

typedef struct _SkoposContext SkoposContext;

SKOPOS_API SkoposContext *skopos_context_new (void);
SKOPOS_API SkoposContext *skopos_context_ref (SkoposContext *ctx);
SKOPOS_API void skopos_context_unref (SkoposContext *ctx);

SKOPOS_API void skopos_context_set_string (SkoposContext *ctx, const char *key, const char *value);
SKOPOS_API void skopos_context_set_boolean (SkoposContext *ctx, const char *key, gboolean value);
SKOPOS_API void skopos_context_set_int (SkoposContext *ctx, const char *key, gint64 value);
SKOPOS_API void skopos_context_set_strv (SkoposContext *ctx, const char *key,
                                         const char *const *value);

/* Getters return @default_value (or NULL) when the key is unset. */
SKOPOS_API const char *skopos_context_get_string (SkoposContext *ctx, const char *key);
SKOPOS_API gboolean skopos_context_get_boolean (SkoposContext *ctx, const char *key,
                                                gboolean default_value);
SKOPOS_API gint64 skopos_context_get_int (SkoposContext *ctx,
                                          const char *key,
                                          gint64 default_value);
SKOPOS_API const char *const *skopos_context_get_strv (SkoposContext *ctx, const char *key);
SKOPOS_API gboolean skopos_context_has (SkoposContext *ctx, const char *key);

/* The folder for temporary files: SKOPOS_CONTEXT_TMPDIR, else $TMPDIR, else /var/tmp
 * (large blobs do not belong in a tmpfs /tmp), as skopeo does. */
SKOPOS_API const char *skopos_context_get_tmpdir (SkoposContext *ctx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkoposContext, skopos_context_unref)

G_END_DECLS
