/* main.c: the skopos command line: global flags, dispatch to a command, and the one
 * place that turns an error into a message and an exit status.
 *
 * Exit status, as skopeo: 0 on success (and after --help), 2 when the image does not
 * exist (SKOPOS_ERROR_NOT_FOUND), 1 for every other failure, usage errors included.
 * Errors are one line on stderr, "skopos: <what failed>: <why>"; usage errors add a
 * line pointing at --help.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli-commands.h"
#include "cli-interrupt.h"
#include "cli-output.h"

static void
print_error_line (const char *message)
{
  g_autofree char *line = g_strdup (message);

  /* One line whatever the library said, so scripts can grep stderr line by line. */
  g_strdelimit (line, "\r\n", ' ');
  fprintf (stderr, "skopos: %s\n", line);
}

static int
report_error (CliInvocation *inv, GError *error)
{
  const char *name = inv->command != NULL ? inv->command->name : NULL;

  if (g_error_matches (error, CLI_ERROR, CLI_ERROR_HELP_SHOWN))
    return 0;

  fflush (stdout);

  if (g_error_matches (error, CLI_ERROR, CLI_ERROR_USAGE))
    {
      print_error_line (error->message);
      fprintf (stderr, "Try 'skopos%s%s --help' for more information.\n", name ? " " : "",
               name ? name : "");
      return 1;
    }

  if (inv->command != NULL && cli_invocation_timed_out (inv))
    {
      g_autofree char *limit = cli_format_duration (inv->global->command_timeout_ns);
      g_autofree char *message =
          g_strdup_printf ("command timed out after %s: %s", limit, error->message);

      print_error_line (message);
      return 1;
    }

  if (cli_interrupt_get_signal () != 0)
    {
      int sig = cli_interrupt_get_signal ();
      g_autofree char *message = g_strdup_printf ("interrupted by signal %d (%s): %s", sig,
                                                  g_strsignal (sig), error->message);
      print_error_line (message);
      return 128 + sig;
    }

  print_error_line (error->message);
  if (g_error_matches (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_FOUND))
    return 2;
  return 1;
}

static gboolean
run_help_command (CliGlobalOptions *global, GPtrArray *args)
{
  const CliCommand *command;

  if (args->len < 2)
    {
      cli_print_root_help (global, stdout);
      return TRUE;
    }

  command = cli_commands_lookup (args->pdata[1]);
  if (command == NULL || command->hidden)
    {
      /* cobra prints this and the top-level help, and succeeds. */
      printf ("Unknown help topic [`%s`]\n", (const char *) args->pdata[1]);
      cli_print_root_help (global, stdout);
      return TRUE;
    }
  if (command->func == NULL)
    {
      fprintf (stderr, "skopos: the '%s' command is not supported yet\n", command->name);
      return FALSE;
    }

  {
    /* The command prints its own help, flags included. */
    char *help_args[] = { (char *) "--help", NULL };
    CliInvocation inv = { .command = command, .global = global, .args = help_args, .n_args = 1 };
    g_autoptr (GError) error = NULL;

    inv.cancellable = g_cancellable_new ();
    command->func (&inv, &error);
    g_clear_object (&inv.cancellable);
    return error == NULL || g_error_matches (error, CLI_ERROR, CLI_ERROR_HELP_SHOWN);
  }
}

static int
unknown_command (const char *name)
{
  g_autoptr (GPtrArray) suggestions = cli_commands_suggest (name);

  fprintf (stderr, "skopos: unrecognized command `skopos %s`\n", name);
  if (suggestions->len > 0)
    {
      fputs ("\nDid you mean this?\n", stderr);
      for (guint i = 0; i < suggestions->len; i++)
        fprintf (stderr, "\t%s\n", (const char *) suggestions->pdata[i]);
      fputs ("\n", stderr);
    }
  fputs ("Try 'skopos --help' for more information.\n", stderr);
  return 1;
}

int
main (int argc, char **argv)
{
  CliGlobalOptions global = { 0 };
  CliInvocation inv = { .global = &global };
  const CliOption root_only[] = {
    { "version", 'v', CLI_OPTION_BOOL, &global.version, NULL, "print the version", 0 },
    { "tls-verify", 0, CLI_OPTION_OPTIONAL_BOOL, &global.tls_verify, NULL,
      "deprecated: use the flag of the command", CLI_OPTION_FLAG_HIDDEN },
    CLI_OPTION_END
  };
  const CliOption *root_groups[] = { NULL, root_only, NULL };
  g_autoptr (GPtrArray) args = NULL;
  g_autoptr (GError) error = NULL;
  gboolean help = FALSE;
  int status;

  setlocale (LC_ALL, "");
  cli_logging_setup ();
  g_mutex_init (&inv.timer_lock);
  g_cond_init (&inv.timer_cond);

  root_groups[0] = cli_global_options_get_table (&global);

  /* Flags before the command name belong to skopos itself (cobra's TraverseChildren):
   * parsing stops at the first argument, the command's name. */
  if (!cli_options_parse (root_groups, argv + 1, (gsize) MAX (argc - 1, 0), FALSE, &args, &help,
                          &error))
    {
      status = report_error (&inv, error);
      goto out;
    }

  if (help || (args->len > 0 && strcmp (args->pdata[0], "help") == 0))
    {
      if (help)
        cli_print_root_help (&global, stdout);
      status = help || run_help_command (&global, args) ? 0 : 1;
      goto out;
    }

  if (global.version)
    {
      printf ("skopos version %s\n", SKOPOS_VERSION);
      status = 0;
      goto out;
    }

  if (args->len == 0)
    {
      fputs ("skopos: missing command 'skopos COMMAND'\n"
             "Try 'skopos --help' for more information.\n", stderr);
      status = 1;
      goto out;
    }

  inv.command = cli_commands_lookup (args->pdata[0]);
  if (inv.command == NULL)
    {
      status = unknown_command (args->pdata[0]);
      goto out;
    }
  if (inv.command->func == NULL)
    {
      fprintf (stderr, "skopos: the '%s' command is not supported yet\n", inv.command->name);
      status = 1;
      goto out;
    }

  inv.args = (char **) args->pdata + 1;
  inv.n_args = args->len - 1;
  inv.cancellable = g_cancellable_new ();
  cli_interrupt_setup (inv.cancellable);

  if (inv.command->func (&inv, &error))
    status = cli_output_flush (&error) ? 0 : report_error (&inv, error);
  else
    status = report_error (&inv, error);

  cli_invocation_finish (&inv);

out:
  fflush (stdout);
  g_clear_object (&inv.cancellable);
  cli_global_options_clear (&global);
  g_mutex_clear (&inv.timer_lock);
  g_cond_clear (&inv.timer_cond);
  return status;
}
