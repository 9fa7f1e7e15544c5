/* cmd-delete.c: `skopos delete IMAGE`, removing an image through its transport.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include "cli-commands.h"
#include "cli-image.h"

gboolean
cmd_delete (CliInvocation *inv, GError **error)
{
  CliSharedImageOptions shared;
  CliImageOptions image = { 0 };
  CliRetryOptions retry = { 0 };
  g_autoptr (CliOptionTable) shared_flags = NULL;
  g_autoptr (CliOptionTable) image_flags = NULL;
  g_autoptr (CliOptionTable) retry_flags = NULL;
  g_autoptr (GPtrArray) args = NULL;
  g_autoptr (SkoposImageReference) ref = NULL;
  g_autoptr (SkoposContext) ctx = NULL;
  const char *name;

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
    return cli_usage_error (error, "Usage: delete imageReference");
  name = args->pdata[0];

  ref = skopos_image_reference_parse (name, error);
  if (ref == NULL)
    return skopos_prefix_error (error, "Invalid source name %s: ", name);

  ctx = cli_image_options_new_context (&image, inv->global, error);
  if (ctx == NULL)
    return FALSE;
  cli_retry_options_apply (&retry, ctx);

  if (!skopos_image_reference_delete (ref, ctx, inv->cancellable, error))
    return skopos_prefix_error (error, "Error deleting %s: ", name);
  return TRUE;
}
