/* cmd-login.c: `skopos login REGISTRY`, checking credentials against the registry
 * before storing them in auth.json (or the credential helper it names), as skopeo
 * and podman do.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli-commands.h"
#include "cli-output.h"

/* One line from stdin without its line end; NULL at end of input. */
static char *
read_line (void)
{
  g_autoptr (GString) line = g_string_new (NULL);
  int c;
  while ((c = getchar ()) != EOF && c != '\n')
    g_string_append_c (line, (char) c);
  if (c == EOF && line->len == 0)
    return NULL;
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  return g_string_free (g_steal_pointer (&line), FALSE);
}

/* A password from the terminal without echo; from a pipe, one line. */
static char *
read_password (void)
{
  struct termios old_attrs;
  gboolean tty = isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &old_attrs) == 0;
  if (tty)
    {
      struct termios quiet = old_attrs;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
    }
  char *password = read_line ();
  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &old_attrs);
      fputc ('\n', stdout);
    }
  return password;
}

static char *
read_all_stdin (void)
{
  g_autoptr (GString) all = g_string_new (NULL);
  char buf[4096];
  size_t n;
  while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
    g_string_append_len (all, buf, n);
  /* Like podman: one trailing newline is not part of the password. */
  if (all->len > 0 && all->str[all->len - 1] == '\n')
    g_string_truncate (all, all->len - 1);
  if (all->len > 0 && all->str[all->len - 1] == '\r')
    g_string_truncate (all, all->len - 1);
  return g_string_free (g_steal_pointer (&all), FALSE);
}

typedef char *CliSecret;

static void
free_secret (char *s)
{
  if (s != NULL)
    explicit_bzero (s, strlen (s));
  g_free (s);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (CliSecret, free_secret, NULL)

gboolean
cmd_login (CliInvocation *inv, GError **error)
{
  char *authfile = NULL;
  char *compat_authfile = NULL;
  char *cert_dir = NULL;
  char *username = NULL;
  char *password = NULL;
  gboolean password_stdin = FALSE;
  gboolean get_login = FALSE;
  gboolean verbose = FALSE;
  CliOptionalBool tls_verify = { 0 };
  g_autoptr (GPtrArray) args = NULL;
  const CliOption options[] = {
    { "authfile", 0, CLI_OPTION_STRING, &authfile, "string",
      "path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override",
      0 },
    { "cert-dir", 0, CLI_OPTION_STRING, &cert_dir, "string",
      "use certificates at the specified path to access the registry", 0 },
    { "compat-auth-file", 0, CLI_OPTION_STRING, &compat_authfile, "string",
      "path of a Docker-compatible config file to update instead", CLI_OPTION_FLAG_UNSUPPORTED },
    { "get-login", 0, CLI_OPTION_BOOL, &get_login, NULL,
      "Return the current login user for the registry", 0 },
    { "password", 'p', CLI_OPTION_STRING, &password, "string", "Password for registry", 0 },
    { "password-stdin", 0, CLI_OPTION_BOOL, &password_stdin, NULL, "Take the password from stdin",
      0 },
    { "username", 'u', CLI_OPTION_STRING, &username, "string", "Username for registry", 0 },
    { "verbose", 'v', CLI_OPTION_BOOL, &verbose, NULL, "Write more detailed information to stdout",
      0 },
    { "tls-verify", 0, CLI_OPTION_OPTIONAL_BOOL, &tls_verify, NULL,
      "require HTTPS and verify certificates when accessing the registry", 0 },
    CLI_OPTION_END
  };
  const CliOption *groups[] = { options, NULL };

  gboolean ok = cli_invocation_parse (inv, groups, &args, error);
  g_auto (CliSecret) given_password = g_steal_pointer (&password);
  g_autofree char *given_username = g_steal_pointer (&username);
  g_autofree char *authfile_owned = g_steal_pointer (&authfile);
  g_autofree char *cert_dir_owned = g_steal_pointer (&cert_dir);
  g_autofree char *compat_owned = g_steal_pointer (&compat_authfile);
  if (!ok)
    return FALSE;

  if (args->len > 1)
    return cli_usage_error (error, "login accepts only one registry to login to");
  if (args->len == 0)
    return cli_usage_error (error, "please provide a registry to login to");

  g_autofree char *registry = NULL;
  g_autofree char *key = skopos_auth_key_from_argument (args->pdata[0], &registry, error);
  if (key == NULL)
    return FALSE;

  g_autoptr (SkoposContext) ctx = skopos_context_new ();
  if (authfile_owned != NULL && *authfile_owned != '\0')
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_AUTHFILE, authfile_owned);
  if (cert_dir_owned != NULL && *cert_dir_owned != '\0')
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_CERT_DIR, cert_dir_owned);
  if (tls_verify.present)
    skopos_context_set_boolean (ctx, SKOPOS_CONTEXT_TLS_VERIFY, tls_verify.value);
  if (inv->global->registries_conf != NULL)
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_REGISTRIES_CONF, inv->global->registries_conf);
  if (inv->global->user_agent_prefix != NULL)
    {
      g_autofree char *agent = g_strdup_printf ("%s skopos/%s", inv->global->user_agent_prefix,
                                                SKOPOS_VERSION);
      skopos_context_set_string (ctx, SKOPOS_CONTEXT_USER_AGENT, agent);
    }

  if (get_login)
    {
      g_autoptr (SkoposCredentials) creds = NULL;
      if (!skopos_auth_lookup (ctx, key, &creds, NULL, error))
        return skopos_prefix_error (error, "get credentials: ");
      if (creds == NULL || creds->username == NULL || *creds->username == '\0')
        return skopos_throw (error, SKOPOS_ERROR_FAILED, "not logged into %s", key);
      cli_output_printf ("%s\n", creds->username);
      return TRUE;
    }

  if (password_stdin)
    {
      if (given_password != NULL)
        return cli_usage_error (error, "Can't specify both --password-stdin and --password");
      if (given_username == NULL || *given_username == '\0')
        return cli_usage_error (error, "Must provide --username with --password-stdin");
      given_password = read_all_stdin ();
    }

  SkoposTransport *docker = skopos_transport_lookup ("docker", error);
  if (docker == NULL)
    return skopos_prefix_error (error, "logging into \"%s\": ", key);

  if (verbose)
    {
      g_autofree char *path = skopos_auth_dup_write_path (ctx, NULL);
      if (path != NULL)
        cli_output_printf ("Used:  %s\n", path);
    }

  /* Without new credentials, stored ones that still work are enough. */
  if (given_username == NULL && given_password == NULL)
    {
      g_autoptr (SkoposCredentials) stored = NULL;
      if (skopos_auth_lookup (ctx, key, &stored, NULL, NULL) && stored != NULL
          && stored->username != NULL)
        {
          cli_output_printf ("Authenticating with existing credentials for %s\n", key);
          g_autoptr (GError) check_error = NULL;
          if (skopos_transport_check_credentials (docker, registry, stored->username,
                                                  stored->password, ctx, inv->cancellable,
                                                  &check_error))
            {
              cli_output_printf ("Existing credentials are valid. Already logged in to %s\n",
                                 registry);
              return TRUE;
            }
          cli_output_printf ("Existing credentials are invalid, please enter valid username "
                             "and password\n");
        }
    }

  if (given_username == NULL || *given_username == '\0')
    {
      cli_output_print ("Username: ");
      if (!cli_output_flush (error))
        return FALSE;
      g_free (given_username);
      given_username = read_line ();
      if (given_username != NULL)
        g_strstrip (given_username);
      if (given_username == NULL || *given_username == '\0')
        return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT, "username is required");
    }
  if (given_password == NULL)
    {
      cli_output_print ("Password: ");
      if (!cli_output_flush (error))
        return FALSE;
      given_password = read_password ();
      if (given_password == NULL || *given_password == '\0')
        return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT, "password is required");
    }

  if (!skopos_transport_check_credentials (docker, registry, given_username, given_password, ctx,
                                           inv->cancellable, error))
    return skopos_prefix_error (error, "logging into \"%s\": ", key);

  if (!skopos_auth_store (ctx, key, given_username, given_password, NULL, error))
    return skopos_prefix_error (error, "storing credentials for \"%s\": ", key);

  cli_output_print ("Login Succeeded!\n");
  return TRUE;
}
