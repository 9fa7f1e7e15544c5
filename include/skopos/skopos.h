/* skopos.h: the libskopos API for applications.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <skopos/skopos-auth.h>
#include <skopos/skopos-compression.h>
#include <skopos/skopos-context.h>
#include <skopos/skopos-copy.h>
#include <skopos/skopos-digest.h>
#include <skopos/skopos-docker-reference.h>
#include <skopos/skopos-error.h>
#include <skopos/skopos-macros.h>
#include <skopos/skopos-manifest.h>
#include <skopos/skopos-policy.h>
#include <skopos/skopos-registries.h>
#include <skopos/skopos-transport.h>
#include <skopos/skopos-version.h>

G_BEGIN_DECLS

/* The libskopos version at run time ("0.1.0"). */
SKOPOS_API const char *skopos_get_version (void);

G_END_DECLS
