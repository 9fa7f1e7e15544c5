/* cli-output.c: result output on stdout (see cli-output.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include "cli-output.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli-options.h"

static int write_errno;

static void
note_failure (void)
{
  if (write_errno == 0)
    write_errno = errno != 0 ? errno : EIO;
}

void
cli_output_write (const void *data, gsize len)
{
  if (len > 0 && fwrite (data, 1, len, stdout) != len)
    note_failure ();
}

void
cli_output_print (const char *text)
{
  cli_output_write (text, strlen (text));
}

void
cli_output_printf (const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  cli_output_print (text);
}

void
cli_output_json (const CliValue *value)
{
  g_autoptr (GString) text = g_string_new (NULL);

  cli_value_to_json (value, "    ", TRUE, text);
  g_string_append_c (text, '\n');
  cli_output_write (text->str, text->len);
}

gboolean
cli_output_formatted (const char *format, const CliValue *value, GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);

  if (format == NULL || *format == '\0' || cli_format_is_json (format))
    {
      cli_output_json (value);
      return TRUE;
    }
  if (!cli_format_render (format, value, text, error))
    return FALSE;
  cli_output_write (text->str, text->len);
  return TRUE;
}

gboolean
cli_output_flush (GError **error)
{
  if (fflush (stdout) != 0)
    note_failure ();
  if (write_errno != 0)
    {
      g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED, "Error writing to standard output: %s",
                   g_strerror (write_errno));
      return FALSE;
    }
  return TRUE;
}
