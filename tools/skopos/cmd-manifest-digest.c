/* cmd-manifest-digest.c: `skopos manifest-digest FILE`, the digest a registry gives
 * the manifest in FILE (for signed schema 1, that of the payload without signatures).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include "cli-commands.h"
#include "cli-output.h"

gboolean
cmd_manifest_digest (CliInvocation *inv, GError **error)
{
  const CliOption options[] = { CLI_OPTION_END };
  const CliOption *groups[] = { options, NULL };
  g_autoptr (GPtrArray) args = NULL;
  g_autoptr (GBytes) manifest = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *digest = NULL;
  gsize len = 0;
  g_autoptr (GError) local_error = NULL;

  if (!cli_invocation_parse (inv, groups, &args, error))
    return FALSE;
  if (args->len != 1)
    return cli_usage_error (error, "Usage: skopos manifest-digest manifest");

  if (!g_file_get_contents (args->pdata[0], &contents, &len, &local_error))
    return skopos_throw (error, SKOPOS_ERROR_FAILED, "Error reading manifest from %s: %s",
                         (const char *) args->pdata[0], local_error->message);

  manifest = g_bytes_new_take (g_steal_pointer (&contents), len);
  digest = skopos_manifest_digest (manifest, &local_error);
  if (digest == NULL)
    return skopos_throw (error, SKOPOS_ERROR_FAILED, "Error computing digest: %s",
                         local_error->message);

  cli_output_printf ("%s\n", digest);
  return TRUE;
}
