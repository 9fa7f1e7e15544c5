/* cli-output.h: everything a command prints as its result goes to stdout through
 * these, so failures to write (a full disk, a closed pipe) become errors and exit 1.
 * Progress, warnings and errors go to stderr, never here.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <glib.h>

#include "cli-template.h"

G_BEGIN_DECLS

void cli_output_write (const void *data, gsize len);
void cli_output_print (const char *text);
void cli_output_printf (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* @value as json.MarshalIndent (v, "", "    ") and a newline: skopeo's JSON output. */
void cli_output_json (const CliValue *value);

/* Either of the above, as skopeo's --format picks: the default JSON output for "",
 * "json" and "{{json .}}", else the rendered template. */
gboolean cli_output_formatted (const char *format, const CliValue *value, GError **error);

/* Flushes stdout; FALSE with an error if anything written so far was lost. */
gboolean cli_output_flush (GError **error);

G_END_DECLS
