/* cmd-logout.c: `skopos logout REGISTRY` and `skopos logout --all`, removing
 * credentials from the auth file login writes (and from the credential helpers it
 * names).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include "cli-commands.h"
#include "cli-output.h"

gboolean
cmd_logout (CliInvocation *inv, GError **error)
{
  char *authfile = NULL;
  char *compat_authfile = NULL;
  gboolean all = FALSE;
  g_autoptr (GPtrArray) args = NULL;
  const CliOption options[] = {
    { "authfile", 0, CLI_OPTION_STRING, &authfile, "string",
      "path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override",
      0 },
    { "compat-auth-file", 0, CLI_OPTION_STRING, &compat_authfile, "string",
      "path of a Docker-compatible config file to update instead", CLI_OPTION_FLAG_UNSUPPORTED },
    { "all", 'a', CLI_OPTION_BOOL, &all, NULL, "Remove the cached credentials for all registries",
      0 },
    CLI_OPTION_END
  };
  const CliOption *groups[] = { options, NULL };

  gboolean ok = cli_invocation_parse (inv, groups, &args, error);
  g_autofree char *authfile_owned = g_steal_pointer (&authfile);
  g_autofree char *compat_owned = g_steal_pointer (&compat_authfile);
  if (!ok)
    return FALSE;

  g_autoptr (SkoposContext) ctx = skopos_context_new ();
  if (authfile_owned != NULL && *authfile_owned != '\0')
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_AUTHFILE, authfile_owned);
  if (inv->global->registries_conf != NULL)
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_REGISTRIES_CONF, inv->global->registries_conf);

  if (args->len > 1)
    return cli_usage_error (error, "logout accepts only one registry to logout from");

  if (all)
    {
      if (args->len != 0)
        return cli_usage_error (error, "--all takes no arguments");
      if (!skopos_auth_remove_all (ctx, error))
        return skopos_prefix_error (error, "logging out of all registries: ");
      cli_output_print ("Removed login credentials for all registries\n");
      return TRUE;
    }

  if (args->len == 0)
    return cli_usage_error (error, "please provide a registry to logout from");

  g_autofree char *key = skopos_auth_key_from_argument (args->pdata[0], NULL, error);
  if (key == NULL)
    return FALSE;

  g_autoptr (GError) local_error = NULL;
  if (skopos_auth_remove (ctx, key, &local_error))
    {
      cli_output_printf ("Removed login credentials for %s\n", key);
      return TRUE;
    }

  if (!g_error_matches (local_error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return skopos_prefix_error (error, "logging out of \"%s\": ", key);
    }

  /* Credentials that other files hold (docker's config.json) are not ours to remove. */
  g_autoptr (SkoposCredentials) elsewhere = NULL;
  g_autofree char *source = NULL;
  if (authfile_owned == NULL && skopos_auth_lookup (ctx, key, &elsewhere, &source, NULL)
      && elsewhere != NULL)
    return skopos_throw (error, SKOPOS_ERROR_FAILED,
                         "not logged into %s with current tool. Existing credentials were "
                         "established via docker login (%s). Please use docker logout instead.",
                         key, source);
  return skopos_throw (error, SKOPOS_ERROR_FAILED, "not logged into %s", key);
}
