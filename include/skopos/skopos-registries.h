/* skopos-registries.h: registries.conf, the containers tools' per-registry settings:
 * prefix and location rewriting, insecure and blocked registries, mirrors.
 *
 * Files read (version 2 format; the version 1 [registries.insecure] and
 * [registries.block] tables are understood too):
 *   - SKOPOS_CONTEXT_REGISTRIES_CONF, else $CONTAINERS_REGISTRIES_CONF: that file, and
 *     the drop-ins in the registries.conf.d folder beside it;
 *   - otherwise ~/.config/containers/registries.conf if it exists, else
 *     /etc/containers/registries.conf, then the drop-ins of
 *     /etc/containers/registries.conf.d and ~/.config/containers/registries.conf.d.
 * Drop-ins (*.conf, in name order) replace [[registry]] entries with the same prefix
 * and add the others. A missing default file is an empty configuration; a missing
 * file the user named is an error.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <skopos/skopos-context.h>
#include <skopos/skopos-macros.h>

G_BEGIN_DECLS

typedef struct _SkoposRegistriesConf SkoposRegistriesConf;

/**
 * SkoposPullSource: one place to pull an image from.
 * @reference: the docker reference there ("mirror.example/ns/busybox:latest")
 * @insecure: TLS unverified and plain HTTP allowed for this endpoint
 * @is_mirror: FALSE for the registry's own (primary) location
 */
typedef struct
{
  char *reference;
  gboolean insecure;
  gboolean is_mirror;
} SkoposPullSource;

SKOPOS_API void skopos_pull_source_free (SkoposPullSource *source);

/* Loads the configuration @ctx names (see above). Errors name the file and line. */
SKOPOS_API SkoposRegistriesConf *skopos_registries_conf_load (SkoposContext *ctx, GError **error);

/* Parses one file's text; @origin names it in errors. For tests and tools. */
SKOPOS_API SkoposRegistriesConf *skopos_registries_conf_parse (const char *text,
                                                               const char *origin,
                                                               GError **error);

/* Merges @dropin into @conf as a drop-in file does. */
SKOPOS_API void skopos_registries_conf_merge (SkoposRegistriesConf *conf,
                                              const SkoposRegistriesConf *dropin);

SKOPOS_API void skopos_registries_conf_free (SkoposRegistriesConf *conf);

/* The files that made this configuration, in the order read ("a, b, c"). */
SKOPOS_API const char *skopos_registries_conf_get_origin (SkoposRegistriesConf *conf);

/**
 * skopos_registries_conf_pull_sources:
 * @reference: a normalised docker reference ("docker.io/library/busybox:latest")
 *
 * Where to pull @reference from, in order: the mirrors of the [[registry]] whose
 * prefix matches it best (those whose pull-from-mirror allows a pull by tag, or by
 * digest, as @reference is), then the registry's location; each with the prefix
 * rewritten. Without a matching entry, @reference itself. A blocked registry is
 * SKOPOS_ERROR_BLOCKED.
 *
 * Returns: (transfer container): GPtrArray of SkoposPullSource*
 */
SKOPOS_API GPtrArray *skopos_registries_conf_pull_sources (SkoposRegistriesConf *conf,
                                                           const char *reference,
                                                           GError **error);

/* For pushes, deletes and logins to @name ("host[:port][/path]"): fails with
 * SKOPOS_ERROR_BLOCKED for a blocked registry, and says whether it is insecure. */
SKOPOS_API gboolean skopos_registries_conf_check_registry (SkoposRegistriesConf *conf,
                                                           const char *name,
                                                           gboolean *out_insecure,
                                                           GError **error);

/* "credential-helpers": the helper names, "containers-auth.json" standing for the
 * auth files; the default is that alone. (transfer none) */
SKOPOS_API const char *const *
skopos_registries_conf_get_credential_helpers (SkoposRegistriesConf *conf);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkoposRegistriesConf, skopos_registries_conf_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkoposPullSource, skopos_pull_source_free)

G_END_DECLS
