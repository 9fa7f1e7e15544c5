/* skopos-macros.h: symbol visibility and small helpers shared by every public header.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <glib.h>

/* Everything libskopos exports carries SKOPOS_API; the library is built with hidden
 * visibility, so a function without it stays internal even if it is not static. */
#if defined(SKOPOS_COMPILATION)
#define SKOPOS_API __attribute__ ((visibility ("default")))
#else
#define SKOPOS_API
#endif

/* The one symbol a transport module exports. */
#define SKOPOS_TRANSPORT_EXPORT __attribute__ ((visibility ("default")))
