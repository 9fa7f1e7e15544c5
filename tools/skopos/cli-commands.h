/* cli-commands.h: the command table of the skopos CLI and what every command gets.
 *
 * Adding a command (list-tags, login, logout, sync):
 *
 * 1. Write tools/skopos/cmd-<name>.c with one public function of type CliCommandFunc:
 *
 *      gboolean cmd_list_tags (CliInvocation *inv, GError **error);
 *
 *    and declare it below under its HAVE_CMD_ macro. tools/skopos/meson.build compiles
 *    the file and defines HAVE_CMD_LIST_TAGS (LOGIN, LOGOUT, SYNC) when it exists, and
 *    cli-commands.c then lists the command with its help texts instead of the "not
 *    supported yet" entry. (meson looks for the file when it configures: after adding
 *    it, run `meson setup --reconfigure BUILDDIR` once.)
 *
 * 2. In the function, declare the options in a table on the stack pointing at local
 *    variables, parse, then check the arguments:
 *
 *      gboolean
 *      cmd_list_tags (CliInvocation *inv, GError **error)
 *      {
 *        CliSharedImageOptions shared;             (cli-image.h: --authfile and friends)
 *        CliImageOptions image = { 0 };
 *        gboolean some_flag = FALSE;
 *        g_autoptr (CliOptionTable) shared_flags = NULL;
 *        g_autoptr (CliOptionTable) image_flags = NULL;
 *        g_autoptr (GPtrArray) args = NULL;
 *        g_autoptr (SkoposContext) ctx = NULL;
 *        const CliOption options[] = {
 *          { "some-flag", 0, CLI_OPTION_BOOL, &some_flag, NULL, "what it does", 0 },
 *          CLI_OPTION_END
 *        };
 *
 *        cli_shared_image_options_init (&shared);
 *        image.shared = &shared;
 *        shared_flags = cli_shared_image_flags_new (&shared, FALSE);
 *        image_flags = cli_image_flags_new (&image, "", NULL, FALSE);
 *        {
 *          const CliOption *groups[] = { cli_option_table_get (shared_flags),
 *                                        cli_option_table_get (image_flags), options, NULL };
 *          if (!cli_invocation_parse (inv, groups, &args, error))
 *            return FALSE;        <- also on --help (the error says so; main exits 0)
 *        }
 *        if (args->len != 1)
 *          return cli_usage_error (error, "Exactly one argument expected");
 *        ctx = cli_image_options_new_context (&image, inv->global, error);
 *        ...
 *        cli_output_json (value)  or  cli_output_write (bytes)   for results (stdout)
 *        return TRUE;
 *      }
 *
 *    String targets of a stack table (CLI_OPTION_STRING into a char *) are freed with
 *    cli_options_clear (options) or held in g_autofree variables, not both; tables
 *    made by cli-image.h free their own values.
 *
 *    Return FALSE with a GError on failure and print nothing yourself: main prints
 *    "skopos: <message>" on stderr and exits 2 for SKOPOS_ERROR_NOT_FOUND, 0 for the
 *    --help case, 1 otherwise. Prefix errors the way skopeo does
 *    (skopos_prefix_error (error, "Error listing repository tags: ")).
 *    Use inv->cancellable for every libskopos call (it carries --command-timeout).
 *    Global flags (--debug, --policy, --override-*, --tmpdir, ...) are parsed for you,
 *    before and after the command name; read them from inv->global.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <stdio.h>

#include <gio/gio.h>
#include <skopos/skopos.h>

#include "cli-options.h"

G_BEGIN_DECLS

/* The flags skopeo accepts before any command (and, for most, after it). */
typedef struct
{
  gboolean debug;
  char *policy_path;
  gboolean insecure_policy;
  char *registries_d;
  char *override_arch;
  char *override_os;
  char *override_variant;
  gint64 command_timeout_ns;
  char *registries_conf;
  char *tmpdir;
  char *user_agent_prefix;
  CliOptionalBool tls_verify; /* deprecated global form; per-image flags win */
  char *tls_details;          /* not supported yet */
  gboolean require_signed;    /* not supported yet */
  gboolean version;
} CliGlobalOptions;

typedef struct _CliCommand CliCommand;
typedef struct _CliInvocation CliInvocation;

typedef gboolean (*CliCommandFunc) (CliInvocation *inv, GError **error);

struct _CliCommand
{
  const char *name;
  CliCommandFunc func;     /* NULL: a skopeo command skopos does not have yet */
  const char *summary;     /* one line for `skopos --help` */
  const char *usage;       /* "copy [command options] SOURCE-IMAGE DESTINATION-IMAGE" */
  const char *description; /* the text --help starts with */
  const char *examples;    /* one example a line */
  gboolean list_transports; /* --help lists the installed transports */
  gboolean hidden;         /* not listed in `skopos --help` */
};

struct _CliInvocation
{
  const CliCommand *command;
  CliGlobalOptions *global;
  char **args;             /* the arguments after the command name */
  gsize n_args;
  GCancellable *cancellable;

  /* Private to cli-commands.c; valid only while the command runs. */
  const CliOption *const *groups;
  GThread *timer;
  GMutex timer_lock;
  GCond timer_cond;
  gboolean timer_stop;
  gboolean timed_out;
};

/* Every command, in the order `skopos --help` lists them. */
const CliCommand *cli_commands_get_all (gsize *out_n);
const CliCommand *cli_commands_lookup (const char *name);
/* Command names close to @name, for "Did you mean this?" (cobra's rule). */
GPtrArray *cli_commands_suggest (const char *name);

/* The global option table, pointing into @global. */
const CliOption *cli_global_options_get_table (CliGlobalOptions *global);
void cli_global_options_clear (CliGlobalOptions *global);

/**
 * cli_invocation_parse:
 * @groups: NULL-terminated option tables of the command (the global ones are added)
 * @out_args: (out): the positional arguments
 *
 * Parses inv->args. On --help prints the command's help on stdout and fails with
 * CLI_ERROR_HELP_SHOWN (main then exits 0 silently). On success applies the global
 * options (debug output, the command timeout).
 */
gboolean cli_invocation_parse (CliInvocation *inv,
                               const CliOption *const *groups,
                               GPtrArray **out_args,
                               GError **error);

/* Prints @command's help; @groups may be NULL before the command parsed. */
void cli_print_command_help (const CliCommand *command,
                             const CliOption *const *groups,
                             FILE *stream);
void cli_print_root_help (CliGlobalOptions *global, FILE *stream);
void cli_invocation_print_help (CliInvocation *inv, FILE *stream);

/* Sets up the --command-timeout timer and debug output (called by the parse). */
void cli_invocation_apply_global_options (CliInvocation *inv);
void cli_invocation_finish (CliInvocation *inv);
/* TRUE if inv->cancellable fired because --command-timeout ran out. */
gboolean cli_invocation_timed_out (CliInvocation *inv);

/* The trust policy from --insecure-policy, --policy or the default file. */
SkoposPolicy *cli_invocation_load_policy (CliInvocation *inv, GError **error);

/* CLI_ERROR_USAGE with a message; evaluates to FALSE. */
gboolean cli_usage_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* Like cli_usage_error, after printing the command's help on stderr (as skopeo does
 * when copy gets the wrong number of arguments). */
gboolean cli_invocation_usage_error_with_help (CliInvocation *inv, GError **error,
                                               const char *format, ...) G_GNUC_PRINTF (3, 4);

/* Turns libskopos' debug messages on (--debug), on stderr. */
void cli_logging_setup (void);
void cli_logging_enable_debug (void);

/* Commands (one file each). */
gboolean cmd_copy (CliInvocation *inv, GError **error);
gboolean cmd_delete (CliInvocation *inv, GError **error);
gboolean cmd_inspect (CliInvocation *inv, GError **error);
gboolean cmd_manifest_digest (CliInvocation *inv, GError **error);
gboolean cmd_transports (CliInvocation *inv, GError **error);
#ifdef HAVE_CMD_LIST_TAGS
gboolean cmd_list_tags (CliInvocation *inv, GError **error);
#endif
#ifdef HAVE_CMD_LOGIN
gboolean cmd_login (CliInvocation *inv, GError **error);
#endif
#ifdef HAVE_CMD_LOGOUT
gboolean cmd_logout (CliInvocation *inv, GError **error);
#endif
#ifdef HAVE_CMD_SYNC
gboolean cmd_sync (CliInvocation *inv, GError **error);
#endif

G_END_DECLS
