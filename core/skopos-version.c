/* skopos-version.c: the version libskopos was built as.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <skopos/skopos.h>

const char *
skopos_get_version (void)
{
  return SKOPOS_VERSION;
}
