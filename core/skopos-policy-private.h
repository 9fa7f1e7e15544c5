/* skopos-policy-private.h: policy evaluation on a transport name and a policy identity,
 * without an image reference, for the core and its unit tests. Nothing here is exported.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <skopos/skopos-policy.h>

G_BEGIN_DECLS

/* What skopos_policy_check_image() does once it has the transport name ("docker") and
 * the reference's policy identity ("docker.io/library/busybox:latest", a path for oci
 * and dir, "" for transports without scopes). */
gboolean _skopos_policy_check_identity (SkoposPolicy *policy,
                                        const char *transport_name,
                                        const char *identity,
                                        GError **error);

/* The scopes tried after @identity itself and before the transport's "" scope, most
 * specific first (transfer full, NULL-terminated, possibly empty). */
char **_skopos_policy_dup_namespaces (const char *transport_name, const char *identity);

G_END_DECLS
