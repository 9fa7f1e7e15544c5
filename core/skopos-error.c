/* skopos-error.c: the SKOPOS_ERROR domain and the one-line helpers that set it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <skopos/skopos-error.h>

G_DEFINE_QUARK (skopos-error-quark, skopos_error)

gboolean
skopos_throw (GError **error, SkoposErrorEnum code, const char *format, ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (SKOPOS_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}

gboolean
skopos_prefix_error (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *prefix = NULL;

  if (error == NULL || *error == NULL)
    return FALSE;

  va_start (args, format);
  prefix = g_strdup_vprintf (format, args);
  va_end (args);
  g_prefix_error (error, "%s", prefix);
  return FALSE;
}
