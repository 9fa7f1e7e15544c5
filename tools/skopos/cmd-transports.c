/* cmd-transports.c: `skopos transports` (skopos only): which transport modules are
 * installed, where each came from, its version and capabilities, and which modules
 * failed to load and why. Loads every module on the search path.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include "cli-commands.h"
#include "cli-output.h"

static CliValue *
transport_value (SkoposTransport *transport)
{
  g_auto (GStrv) capabilities = skopos_transport_dup_capability_names (transport);
  g_autofree char *folder = g_path_get_dirname (skopos_transport_get_path (transport));
  CliValue *value = cli_value_new_struct ("main.Transport");

  cli_value_struct_add (value, "Name", NULL, FALSE,
                        cli_value_new_string (skopos_transport_get_name (transport)));
  cli_value_struct_add (value, "Version", NULL, FALSE,
                        cli_value_new_string (skopos_transport_get_version (transport)));
  cli_value_struct_add (value, "Summary", NULL, FALSE,
                        cli_value_new_string (skopos_transport_get_summary (transport)));
  cli_value_struct_add (value, "Capabilities", NULL, FALSE,
                        cli_value_new_string_list ((const char *const *) capabilities));
  cli_value_struct_add (value, "Folder", NULL, FALSE, cli_value_new_string (folder));
  cli_value_struct_add (value, "Path", NULL, FALSE,
                        cli_value_new_string (skopos_transport_get_path (transport)));
  return value;
}

static CliValue *
failure_value (SkoposTransportFailure *failure)
{
  CliValue *value = cli_value_new_struct ("main.Failure");

  cli_value_struct_add (value, "Name", NULL, FALSE, cli_value_new_string (failure->name));
  cli_value_struct_add (value, "Path", NULL, FALSE, cli_value_new_string (failure->path));
  cli_value_struct_add (value, "Error", NULL, FALSE,
                        cli_value_new_string (failure->error != NULL ? failure->error->message
                                                                     : "unknown error"));
  return value;
}

static void
print_table (GPtrArray *transports, GPtrArray *failures)
{
  g_autoptr (GString) out = g_string_new (NULL);
  int name_width = 4;
  int version_width = 7;
  int caps_width = 12;
  g_autoptr (GPtrArray) caps = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < transports->len; i++)
    {
      SkoposTransport *t = transports->pdata[i];
      g_auto (GStrv) names = skopos_transport_dup_capability_names (t);
      char *joined = g_strjoinv (",", names);

      name_width = MAX (name_width, (int) strlen (skopos_transport_get_name (t)));
      version_width = MAX (version_width, (int) strlen (skopos_transport_get_version (t)));
      caps_width = MAX (caps_width, (int) strlen (joined));
      g_ptr_array_add (caps, joined);
    }

  if (transports->len == 0)
    g_string_append (out, "No transports are installed.\n");
  else
    g_string_append_printf (out, "%-*s  %-*s  %-*s  %s\n", name_width, "NAME", version_width,
                            "VERSION", caps_width, "CAPABILITIES", "FOLDER");
  for (guint i = 0; i < transports->len; i++)
    {
      SkoposTransport *t = transports->pdata[i];
      g_autofree char *folder = g_path_get_dirname (skopos_transport_get_path (t));

      g_string_append_printf (out, "%-*s  %-*s  %-*s  %s\n", name_width,
                              skopos_transport_get_name (t), version_width,
                              skopos_transport_get_version (t), caps_width,
                              (const char *) caps->pdata[i], folder);
    }

  if (failures != NULL && failures->len > 0)
    {
      g_string_append (out, "\nFailed to load:\n");
      for (guint i = 0; i < failures->len; i++)
        {
          SkoposTransportFailure *f = failures->pdata[i];

          g_string_append_printf (out, "%s  %s: %s\n", f->name, f->path,
                                  f->error != NULL ? f->error->message : "unknown error");
        }
    }
  cli_output_write (out->str, out->len);
}

gboolean
cmd_transports (CliInvocation *inv, GError **error)
{
  g_autofree char *format = NULL;
  const CliOption options[] = {
    { "format", 'f', CLI_OPTION_STRING, &format, NULL,
      "\"json\", or a Go template over .Transports, .Failures and .SearchPath", 0 },
    CLI_OPTION_END
  };
  const CliOption *groups[] = { options, NULL };
  g_autoptr (GPtrArray) args = NULL;
  g_autoptr (GPtrArray) transports = NULL;
  g_autoptr (GPtrArray) failures = NULL;
  g_autoptr (CliValue) value = NULL;
  CliValue *list;

  if (!cli_invocation_parse (inv, groups, &args, error))
    return FALSE;
  if (args->len != 0)
    return cli_usage_error (error, "transports takes no arguments");

  transports = skopos_transport_list_all (&failures);

  if (format == NULL || *format == '\0')
    {
      print_table (transports, failures);
      return TRUE;
    }

  value = cli_value_new_struct ("main.Transports");
  cli_value_struct_add (value, "SearchPath", NULL, FALSE,
                        cli_value_new_string_list (skopos_transport_get_search_path ()));
  list = cli_value_new_list (FALSE);
  for (guint i = 0; i < transports->len; i++)
    cli_value_list_append (list, transport_value (transports->pdata[i]));
  cli_value_struct_add (value, "Transports", NULL, FALSE, list);
  list = cli_value_new_list (FALSE);
  for (guint i = 0; failures != NULL && i < failures->len; i++)
    cli_value_list_append (list, failure_value (failures->pdata[i]));
  cli_value_struct_add (value, "Failures", NULL, FALSE, list);

  return cli_output_formatted (format, value, error);
}
