/* cli-commands.c: the command table, the global flags, and the services every command
 * gets through CliInvocation: parsing with the global flags mixed in, help text, the
 * --command-timeout timer, the trust policy, debug output.
 *
 * Commands skopeo has and skopos does not (yet) stay in the table with a NULL
 * function, so `skopos sync` says plainly that it is not supported instead of
 * "unrecognized command" or, worse, doing nothing.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include "cli-commands.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* How long a cancelled command may take to stop before the process ends anyway. */
#define TIMEOUT_GRACE_SECONDS 3

#define IMAGE_NAMES_HINT "See skopos(1), section IMAGE NAMES, for the form of image names.\n"

static const CliCommand commands[] = {
  {
    .name = "copy",
    .func = cmd_copy,
    .summary = "Copy an image from one location to another",
    .usage = "copy [command options] SOURCE-IMAGE DESTINATION-IMAGE",
    .description = "Copies the image SOURCE-IMAGE to DESTINATION-IMAGE. Both are written\n"
                   "\"transport:details\".\n",
    .examples = "skopos copy oci:/srv/layout:v1 dir:/tmp/v1\n"
                "skopos copy --all docker://registry.example/app:1 oci:/srv/app:1",
    .list_transports = TRUE,
  },
  {
    .name = "delete",
    .func = cmd_delete,
    .summary = "Delete an image",
    .usage = "delete [command options] IMAGE-NAME",
    .description = "Deletes the image IMAGE-NAME from its transport.\n",
    .examples = "skopos delete docker://registry.example/app:old",
    .list_transports = TRUE,
  },
  {
    .name = "generate-sigstore-key",
    .summary = "Create a sigstore key pair (not supported yet)",
  },
  {
    .name = "inspect",
    .func = cmd_inspect,
    .summary = "Show what an image is made of",
    .usage = "inspect [command options] IMAGE-NAME",
    .description = "Prints low-level information about the image IMAGE-NAME: its digest,\n"
                   "platform, layers, labels and environment.\n",
    .examples = "skopos inspect oci:/srv/layout:v1\n"
                "skopos inspect --config oci:/srv/layout:v1\n"
                "skopos inspect --format '{{.Digest}} {{.Architecture}}' oci:/srv/layout:v1",
    .list_transports = TRUE,
  },
  {
    .name = "layers",
    .summary = "Fetch the layers of an image (not supported)",
    .hidden = TRUE,
  },
#ifdef HAVE_CMD_LIST_TAGS
  {
    .name = "list-tags",
    .func = cmd_list_tags,
    .summary = "List the tags of a repository",
    .usage = "list-tags [command options] SOURCE-IMAGE",
    .description = "Lists the tags of the repository SOURCE-IMAGE (docker://NAME or\n"
                   "docker-archive:PATH).\n",
    .examples = "skopos list-tags docker://registry.example/app",
  },
#else
  {
    .name = "list-tags",
    .summary = "List the tags of a repository (not supported yet)",
  },
#endif
#ifdef HAVE_CMD_LOGIN
  {
    .name = "login",
    .func = cmd_login,
    .summary = "Log in to a container registry",
    .usage = "login [command options] REGISTRY",
    .description = "Checks credentials for REGISTRY and stores them in the auth file.\n",
    .examples = "skopos login --username me registry.example",
  },
#else
  {
    .name = "login",
    .summary = "Log in to a container registry (not supported yet)",
  },
#endif
#ifdef HAVE_CMD_LOGOUT
  {
    .name = "logout",
    .func = cmd_logout,
    .summary = "Log out of a container registry",
    .usage = "logout [command options] REGISTRY",
    .description = "Removes the stored credentials for REGISTRY.\n",
    .examples = "skopos logout registry.example",
  },
#else
  {
    .name = "logout",
    .summary = "Log out of a container registry (not supported yet)",
  },
#endif
  {
    .name = "manifest-digest",
    .func = cmd_manifest_digest,
    .summary = "Compute the digest of a manifest file",
    .usage = "manifest-digest MANIFEST-FILE",
    .description = "Prints the digest a registry gives the manifest stored in MANIFEST-FILE.\n",
    .examples = "skopos manifest-digest manifest.json",
  },
  {
    .name = "proxy",
    .summary = "Serve images over a socket (not supported)",
    .hidden = TRUE,
  },
  {
    .name = "standalone-sign",
    .summary = "Sign a manifest with local files (not supported yet)",
  },
  {
    .name = "standalone-verify",
    .summary = "Verify a signature with local files (not supported yet)",
  },
#ifdef HAVE_CMD_SYNC
  {
    .name = "sync",
    .func = cmd_sync,
    .summary = "Copy many images from one location to another",
    .usage = "sync [command options] --src TRANSPORT --dest TRANSPORT SOURCE DESTINATION",
    .description = "Copies every image found at SOURCE to DESTINATION.\n",
    .examples = "skopos sync --src docker --dest dir registry.example/app /srv/mirror",
  },
#else
  {
    .name = "sync",
    .summary = "Copy many images from one location to another (not supported yet)",
  },
#endif
  {
    .name = "transports",
    .func = cmd_transports,
    .summary = "List the installed transports (skopos only)",
    .usage = "transports [--format json]",
    .description = "Lists the transport modules skopos found: where each was loaded from,\n"
                   "its version and what it can do, then the modules that failed to load\n"
                   "and why.\n",
    .examples = "skopos transports\nskopos transports --format json",
  },
  {
    .name = "untrusted-signature-dump-without-verification",
    .summary = "Dump a signature without verifying it (not supported)",
    .hidden = TRUE,
  },
};

const CliCommand *
cli_commands_get_all (gsize *out_n)
{
  *out_n = G_N_ELEMENTS (commands);
  return commands;
}

const CliCommand *
cli_commands_lookup (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

static gsize
levenshtein (const char *a, const char *b)
{
  gsize la = strlen (a);
  gsize lb = strlen (b);
  g_autofree gsize *row = g_new (gsize, lb + 1);

  for (gsize j = 0; j <= lb; j++)
    row[j] = j;
  for (gsize i = 1; i <= la; i++)
    {
      gsize diagonal = row[0];

      row[0] = i;
      for (gsize j = 1; j <= lb; j++)
        {
          gsize above = row[j];
          gsize cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;

          row[j] = MIN (MIN (row[j] + 1, row[j - 1] + 1), diagonal + cost);
          diagonal = above;
        }
    }
  return row[lb];
}

GPtrArray *
cli_commands_suggest (const char *name)
{
  GPtrArray *out = g_ptr_array_new ();
  g_autofree char *lower = g_ascii_strdown (name, -1);

  /* cobra's rule: at most two edits away, or the typed text starts the name. */
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (commands[i].hidden)
        continue;
      if (levenshtein (name, commands[i].name) <= 2
          || (*lower != '\0' && g_str_has_prefix (commands[i].name, lower)))
        g_ptr_array_add (out, (gpointer) commands[i].name);
    }
  return out;
}

const CliOption *
cli_global_options_get_table (CliGlobalOptions *global)
{
  /* Built once per process: there is one set of global options. */
  static CliOption table[16];
  const CliOption entries[] = {
    { "debug", 0, CLI_OPTION_BOOL, &global->debug, NULL, "print debug output on stderr", 0 },
    { "policy", 0, CLI_OPTION_STRING, &global->policy_path, NULL,
      "trust policy file (policy.json)", 0 },
    { "insecure-policy", 0, CLI_OPTION_BOOL, &global->insecure_policy, NULL,
      "accept every image without consulting a trust policy", 0 },
    { "registries.d", 0, CLI_OPTION_STRING, &global->registries_d, "DIR",
      "folder of registry configuration files (signature storage)", 0 },
    { "override-arch", 0, CLI_OPTION_STRING, &global->override_arch, "ARCH",
      "choose images for ARCH instead of this machine's architecture", 0 },
    { "override-os", 0, CLI_OPTION_STRING, &global->override_os, "OS",
      "choose images for OS instead of this machine's OS", 0 },
    { "override-variant", 0, CLI_OPTION_STRING, &global->override_variant, "VARIANT",
      "choose images for VARIANT instead of this machine's architecture variant", 0 },
    { "command-timeout", 0, CLI_OPTION_DURATION, &global->command_timeout_ns, NULL,
      "give up after this long (10s, 1m30s, ...)", 0 },
    { "registries-conf", 0, CLI_OPTION_STRING, &global->registries_conf, NULL,
      "registries.conf file to use", CLI_OPTION_FLAG_HIDDEN },
    { "tmpdir", 0, CLI_OPTION_STRING, &global->tmpdir, NULL,
      "folder for large temporary files", 0 },
    { "user-agent-prefix", 0, CLI_OPTION_STRING, &global->user_agent_prefix, NULL,
      "text put before the User-Agent sent to registries", 0 },
    { "tls-details", 0, CLI_OPTION_STRING, &global->tls_details, NULL,
      "containers-tls-details.yaml file", CLI_OPTION_FLAG_UNSUPPORTED },
    { "require-signed", 0, CLI_OPTION_BOOL, &global->require_signed, NULL,
      "require every pulled image to be signed", CLI_OPTION_FLAG_UNSUPPORTED },
    CLI_OPTION_END
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (entries) <= G_N_ELEMENTS (table));
  memcpy (table, entries, sizeof entries);
  return table;
}

void
cli_global_options_clear (CliGlobalOptions *global)
{
  cli_options_clear (cli_global_options_get_table (global));
}

gboolean
cli_usage_error (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, CLI_ERROR, CLI_ERROR_USAGE, message);
  return FALSE;
}

gboolean
cli_invocation_usage_error_with_help (CliInvocation *inv, GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fflush (stdout);
  cli_invocation_print_help (inv, stderr);
  g_set_error_literal (error, CLI_ERROR, CLI_ERROR_USAGE, message);
  return FALSE;
}

static char *
dup_transport_names (void)
{
  g_autoptr (GPtrArray) transports = skopos_transport_list_all (NULL);
  g_autoptr (GString) out = g_string_new (NULL);

  for (guint i = 0; transports != NULL && i < transports->len; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      g_string_append (out, skopos_transport_get_name (transports->pdata[i]));
    }
  if (out->len == 0)
    g_string_append (out, "(none installed)");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

void
cli_print_command_help (const CliCommand *command, const CliOption *const *groups, FILE *stream)
{
  g_autoptr (GString) out = g_string_new (NULL);

  if (command->description != NULL)
    g_string_append (out, command->description);
  if (command->list_transports)
    {
      g_autofree char *names = dup_transport_names ();

      g_string_append_printf (out, "\nSupported transports:\n%s\n\n" IMAGE_NAMES_HINT, names);
    }
  g_string_append_printf (out, "\nUsage:\n  skopos %s\n", command->usage);
  if (command->examples != NULL)
    {
      g_auto (GStrv) lines = g_strsplit (command->examples, "\n", -1);

      g_string_append (out, "\nExamples:\n");
      for (char **line = lines; *line != NULL; line++)
        g_string_append_printf (out, "  %s\n", *line);
    }
  if (groups != NULL)
    {
      g_string_append (out, "\nFlags:\n");
      cli_options_format_help (groups, out);
    }
  g_string_append (out, "\nGlobal flags are listed by 'skopos --help'.\n");
  fputs (out->str, stream);
  fflush (stream);
}

static int
compare_commands (gconstpointer a, gconstpointer b)
{
  const CliCommand *const *ca = a;
  const CliCommand *const *cb = b;

  return strcmp ((*ca)->name, (*cb)->name);
}

void
cli_print_root_help (CliGlobalOptions *global, FILE *stream)
{
  static const CliCommand help_command = { .name = "help", .summary = "Help about any command" };
  static const CliOption root_only[] = {
    { "version", 'v', CLI_OPTION_BOOL, NULL, NULL, "print the version of skopos", 0 },
    CLI_OPTION_END
  };
  const CliOption *groups[] = { cli_global_options_get_table (global), root_only, NULL };
  g_autoptr (GString) out = g_string_new (NULL);
  gsize n = 0;
  const CliCommand *all = cli_commands_get_all (&n);
  int width = 4;

  g_autoptr (GPtrArray) listed = g_ptr_array_new ();

  for (gsize i = 0; i < n; i++)
    if (!all[i].hidden)
      g_ptr_array_add (listed, (gpointer) &all[i]);
  g_ptr_array_add (listed, (gpointer) &help_command);
  g_ptr_array_sort (listed, compare_commands);
  for (guint i = 0; i < listed->len; i++)
    width = MAX (width, (int) strlen (((const CliCommand *) listed->pdata[i])->name));

  g_string_append (out, "Works with container images and image registries, like skopeo.\n\n"
                        "Usage:\n  skopos [flags]\n  skopos [command]\n\n"
                        "Available Commands:\n");
  for (guint i = 0; i < listed->len; i++)
    {
      const CliCommand *c = listed->pdata[i];

      g_string_append_printf (out, "  %-*s   %s\n", width, c->name, c->summary);
    }
  g_string_append (out, "\nFlags:\n");
  cli_options_format_help (groups, out);
  g_string_append (out, "\nRun 'skopos [command] --help' for the flags of a command.\n");
  fputs (out->str, stream);
  fflush (stream);
}

void
cli_invocation_print_help (CliInvocation *inv, FILE *stream)
{
  cli_print_command_help (inv->command, inv->groups, stream);
}

gboolean
cli_invocation_parse (CliInvocation *inv,
                      const CliOption *const *groups,
                      GPtrArray **out_args,
                      GError **error)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  g_autoptr (GPtrArray) args = NULL;
  gboolean help = FALSE;

  for (gsize i = 0; groups[i] != NULL; i++)
    g_ptr_array_add (all, (gpointer) groups[i]);
  g_ptr_array_add (all, (gpointer) cli_global_options_get_table (inv->global));
  g_ptr_array_add (all, NULL);

  /* Kept so main can print the help after a usage error. Only the command's own
   * tables are shown: skopeo lists global flags only in the top-level help. */
  inv->groups = groups;

  if (!cli_options_parse ((const CliOption *const *) all->pdata, inv->args, inv->n_args, TRUE,
                          &args, &help, error))
    return FALSE;

  if (help)
    {
      cli_invocation_print_help (inv, stdout);
      g_set_error_literal (error, CLI_ERROR, CLI_ERROR_HELP_SHOWN, "help shown");
      return FALSE;
    }

  cli_invocation_apply_global_options (inv);
  *out_args = g_steal_pointer (&args);
  return TRUE;
}

static gpointer
timer_thread (gpointer data)
{
  CliInvocation *inv = data;
  gint64 deadline = g_get_monotonic_time () + inv->global->command_timeout_ns / 1000;
  gboolean fire = FALSE;

  g_mutex_lock (&inv->timer_lock);
  while (!inv->timer_stop)
    {
      if (!g_cond_wait_until (&inv->timer_cond, &inv->timer_lock, deadline))
        {
          fire = !inv->timer_stop;
          break;
        }
    }
  if (fire)
    inv->timed_out = TRUE;
  g_mutex_unlock (&inv->timer_lock);

  if (!fire)
    return NULL;

  /* Cancelling outside the lock: cancellation handlers may run here. */
  g_debug ("--command-timeout ran out, cancelling");
  g_cancellable_cancel (inv->cancellable);

  /* Some waits cannot be cancelled (opening a FIFO, a stuck NFS read). The user
   * asked for a time limit, so after a grace period the process ends regardless. */
  deadline = g_get_monotonic_time () + TIMEOUT_GRACE_SECONDS * G_USEC_PER_SEC;
  g_mutex_lock (&inv->timer_lock);
  while (!inv->timer_stop)
    if (!g_cond_wait_until (&inv->timer_cond, &inv->timer_lock, deadline))
      break;
  fire = !inv->timer_stop;
  g_mutex_unlock (&inv->timer_lock);
  if (fire)
    {
      g_autofree char *limit = cli_format_duration (inv->global->command_timeout_ns);

      fprintf (stderr, "skopos: command timed out after %s\n", limit);
      fflush (stderr);
      _exit (1);
    }
  return NULL;
}

void
cli_invocation_apply_global_options (CliInvocation *inv)
{
  if (inv->global->debug)
    cli_logging_enable_debug ();

  if (inv->global->tls_verify.present)
    g_warning ("'--tls-verify' is deprecated, please set this on the specific subcommand");

  /* A GLib timeout source would need a main loop the synchronous commands do not
   * run; a thread that cancels on its deadline works everywhere. */
  if (inv->global->command_timeout_ns > 0 && inv->timer == NULL)
    inv->timer = g_thread_new ("skopos-timeout", timer_thread, inv);
}

void
cli_invocation_finish (CliInvocation *inv)
{
  if (inv->timer != NULL)
    {
      g_mutex_lock (&inv->timer_lock);
      inv->timer_stop = TRUE;
      g_cond_signal (&inv->timer_cond);
      g_mutex_unlock (&inv->timer_lock);
      g_thread_join (g_steal_pointer (&inv->timer));
    }
}

gboolean
cli_invocation_timed_out (CliInvocation *inv)
{
  gboolean timed_out;

  g_mutex_lock (&inv->timer_lock);
  timed_out = inv->timed_out;
  g_mutex_unlock (&inv->timer_lock);
  return timed_out;
}

SkoposPolicy *
cli_invocation_load_policy (CliInvocation *inv, GError **error)
{
  SkoposPolicy *policy;

  if (inv->global->insecure_policy)
    return skopos_policy_new_insecure_accept_anything ();

  policy = skopos_policy_load (inv->global->policy_path != NULL && *inv->global->policy_path
                                   ? inv->global->policy_path
                                   : NULL,
                               error);
  if (policy == NULL)
    skopos_prefix_error (error, "Error loading trust policy: ");
  return policy;
}

static gboolean debug_enabled;

static const char *
field_value (const GLogField *fields, gsize n_fields, const char *key)
{
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, key) == 0)
      return fields[i].length < 0 ? fields[i].value : NULL;
  return NULL;
}

/* One line per message on stderr, never on stdout (which carries results):
 * "skopos: warning: ..." for warnings, "debug: [domain] ..." with --debug. */
static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *message = field_value (fields, n_fields, "MESSAGE");
  const char *domain = field_value (fields, n_fields, "GLIB_DOMAIN");

  if (message == NULL)
    message = "";

  if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    {
      if (!debug_enabled)
        return G_LOG_WRITER_HANDLED;
      fprintf (stderr, "debug: [%s] %s\n", domain != NULL ? domain : "skopos", message);
    }
  else if (level & G_LOG_LEVEL_MESSAGE)
    fprintf (stderr, "skopos: %s\n", message);
  else if (level & G_LOG_LEVEL_WARNING)
    fprintf (stderr, "skopos: warning: %s\n", message);
  else
    fprintf (stderr, "skopos: %s: %s\n",
             (level & G_LOG_LEVEL_ERROR) ? "error" : "critical", message);
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

void
cli_logging_setup (void)
{
  g_log_set_writer_func (log_writer, NULL, NULL);
}

void
cli_logging_enable_debug (void)
{
  debug_enabled = TRUE;
  /* Lets g_debug() build its messages at all (GLib skips them otherwise). */
  g_log_set_debug_enabled (TRUE);
}
