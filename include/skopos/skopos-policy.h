/* skopos-policy.h: policy.json, the trust policy that says which images may be copied.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <skopos/skopos-transport.h>

G_BEGIN_DECLS

typedef struct _SkoposPolicy SkoposPolicy;

/* The file read when no path is given: $HOME/.config/containers/policy.json if it
 * exists, else /etc/containers/policy.json (the containers tools' order). */
SKOPOS_API char *skopos_policy_default_path (void);

/* Loads @path (or the default); a missing or malformed file is an error that names it. */
SKOPOS_API SkoposPolicy *skopos_policy_load (const char *path, GError **error);
SKOPOS_API SkoposPolicy *skopos_policy_new_from_data (const char *json, gsize len,
                                                      const char *origin, GError **error);
/* The policy of --insecure-policy: accept anything. */
SKOPOS_API SkoposPolicy *skopos_policy_new_insecure_accept_anything (void);
SKOPOS_API void skopos_policy_free (SkoposPolicy *policy);

/**
 * skopos_policy_check_image:
 *
 * Applies the requirements for @ref (most specific scope of its transport first, then
 * the transport's default "", then "default"). insecureAcceptAnything accepts; reject
 * fails with SKOPOS_ERROR_POLICY_REJECTED; a requirement skopos cannot check yet
 * (signedBy, sigstoreSigned) fails with SKOPOS_ERROR_NOT_SUPPORTED rather than pass.
 */
SKOPOS_API gboolean skopos_policy_check_image (SkoposPolicy *policy, SkoposImageReference *ref,
                                               GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkoposPolicy, skopos_policy_free)

G_END_DECLS
