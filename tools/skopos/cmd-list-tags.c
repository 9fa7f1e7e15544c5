/* cmd-list-tags.c: `skopos list-tags docker://REPOSITORY` (and docker-archive:PATH),
 * printing {"Repository": …, "Tags": […]} as skopeo does.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include "cli-commands.h"
#include "cli-image.h"
#include "cli-output.h"

#define SUPPORTED "docker, docker-archive"

/* docker://NAME must name a repository: no tag, no digest. */
static char *
docker_repository_name (const char *arg, GError **error)
{
  if (!g_str_has_prefix (arg, "docker://"))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                    "docker: image reference %s does not start with docker://", arg);
      return NULL;
    }

  g_autoptr (SkoposDockerReference) ref = skopos_docker_reference_parse (arg + strlen ("docker://"),
                                                                         error);
  if (ref == NULL)
    return NULL;
  if (!skopos_docker_reference_is_name_only (ref))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                    "No tag or digest allowed in reference");
      return NULL;
    }
  return skopos_docker_reference_dup_name (ref);
}

gboolean
cmd_list_tags (CliInvocation *inv, GError **error)
{
  CliSharedImageOptions shared;
  CliImageOptions image = { 0 };
  CliRetryOptions retry = { 0 };
  g_autoptr (CliOptionTable) shared_flags = NULL;
  g_autoptr (CliOptionTable) image_flags = NULL;
  g_autoptr (CliOptionTable) retry_flags = NULL;
  g_autoptr (GPtrArray) args = NULL;

  cli_shared_image_options_init (&shared);
  image.shared = &shared;
  shared_flags = cli_shared_image_flags_new (&shared, FALSE);
  image_flags = cli_image_flags_new (&image, "", NULL, FALSE);
  retry_flags = cli_retry_flags_new (&retry);
  {
    const CliOption *groups[] = { cli_option_table_get (shared_flags),
                                  cli_option_table_get (image_flags),
                                  cli_option_table_get (retry_flags), NULL };
    if (!cli_invocation_parse (inv, groups, &args, error))
      return FALSE;
  }
  if (args->len != 1)
    return cli_invocation_usage_error_with_help (inv, error,
                                                 "Exactly one non-option argument expected");
  const char *arg = args->pdata[0];

  const char *colon = strchr (arg, ':');
  if (colon == NULL)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "Invalid \"%s\": does not specify a transport", arg);
  g_autofree char *transport = g_strndup (arg, colon - arg);

  g_autofree char *repository = NULL;
  if (g_str_equal (transport, "docker"))
    {
      repository = docker_repository_name (arg, error);
      if (repository == NULL)
        return FALSE;
    }
  else if (!g_str_equal (transport, "docker-archive"))
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "Unsupported transport '%s' for tag listing. Only supported: %s",
                         transport, SUPPORTED);

  g_autoptr (SkoposImageReference) ref = skopos_image_reference_parse (arg, error);
  if (ref == NULL)
    return FALSE;

  g_autoptr (SkoposContext) ctx = cli_image_options_new_context (&image, inv->global, error);
  if (ctx == NULL)
    return FALSE;
  cli_retry_options_apply (&retry, ctx);

  g_autoptr (GPtrArray) tags = skopos_image_reference_list_tags (ref, ctx, inv->cancellable,
                                                                 error);
  if (tags == NULL)
    return skopos_prefix_error (error, "Error listing repository tags: ");

  g_autoptr (CliValue) out = cli_value_new_struct ("main.tagListOutput");
  cli_value_struct_add (out, "Repository", NULL, TRUE,
                        cli_value_new_string (repository != NULL ? repository : ""));
  CliValue *list = cli_value_new_list (FALSE);
  for (guint i = 0; i < tags->len; i++)
    cli_value_list_append (list, cli_value_new_string (tags->pdata[i]));
  cli_value_struct_add (out, "Tags", NULL, FALSE, list);
  cli_output_json (out);
  return TRUE;
}
