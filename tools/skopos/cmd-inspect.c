/* cmd-inspect.c: `skopos inspect IMAGE`, printing what skopeo prints:
 *
 * - default: a JSON object with skopeo's keys, in skopeo's order, written the way
 *   Go's json.MarshalIndent writes it. Digest is that of the top-level manifest (the
 *   list's, for a list); everything else comes from the instance for this platform
 *   (or --override-os/--override-arch/--override-variant);
 * - --raw: the manifest bytes exactly as stored, nothing added;
 * - --config: the configuration decoded as an OCI image config and encoded again;
 *   --config --raw: the configuration bytes exactly as stored;
 * - --format: a Go template over the same data (see cli-template.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include "cli-commands.h"
#include "cli-config.h"
#include "cli-image.h"
#include "cli-output.h"

typedef struct
{
  CliSharedImageOptions shared;
  CliImageOptions image;
  CliRetryOptions retry;
  gboolean raw;
  gboolean config;
  char *format;
  gboolean no_tags;
  char *manifest_digest;
} InspectOptions;

static CliValue *
annotations_value (GHashTable *annotations)
{
  CliValue *map = cli_value_new_map (annotations == NULL, CLI_VALUE_STRING);
  GHashTableIter iter;
  gpointer key, value;

  if (annotations == NULL)
    return map;
  g_hash_table_iter_init (&iter, annotations);
  while (g_hash_table_iter_next (&iter, &key, &value))
    cli_value_map_insert (map, key, cli_value_new_string (value));
  return map;
}

static gboolean
is_schema1 (const SkoposManifest *manifest)
{
  return manifest->schema_version == 1;
}

static CliValue *
layers_value (const SkoposManifest *manifest)
{
  CliValue *list = cli_value_new_list (FALSE);

  for (guint i = 0; i < manifest->layers->len; i++)
    {
      const SkoposDescriptor *layer = manifest->layers->pdata[i];

      cli_value_list_append (list, cli_value_new_string (layer->digest));
    }
  return list;
}

/* containers/image's ImageInspectLayer: schema 1 knows neither type nor size. */
static CliValue *
layers_data_value (const SkoposManifest *manifest)
{
  CliValue *list = cli_value_new_list (FALSE);

  for (guint i = 0; i < manifest->layers->len; i++)
    {
      const SkoposDescriptor *layer = manifest->layers->pdata[i];
      CliValue *item = cli_value_new_struct ("types.ImageInspectLayer");

      cli_value_struct_add (item, "MIMEType", NULL, FALSE,
                            cli_value_new_string (is_schema1 (manifest) ? ""
                                                                        : layer->media_type));
      cli_value_struct_add (item, "Digest", NULL, FALSE, cli_value_new_string (layer->digest));
      cli_value_struct_add (item, "Size", NULL, FALSE,
                            cli_value_new_int (is_schema1 (manifest) ? -1 : layer->size));
      cli_value_struct_add (item, "Annotations", NULL, FALSE,
                            annotations_value (layer->annotations));
      cli_value_list_append (list, item);
    }
  return list;
}

/* The repository's tags, for docker: references only (as skopeo). */
static gboolean
repo_tags_value (InspectOptions *opts, CliInvocation *inv, SkoposImageReference *ref,
                 SkoposContext *ctx, CliValue **out, GError **error)
{
  const char *transport = skopos_transport_get_name (skopos_image_reference_get_transport (ref));
  g_autoptr (GPtrArray) tags = NULL;
  g_autoptr (GError) local_error = NULL;

  *out = cli_value_new_list (FALSE);
  if (opts->no_tags || g_strcmp0 (transport, "docker") != 0)
    return TRUE;

  tags = skopos_image_reference_list_tags (ref, ctx, inv->cancellable, &local_error);
  if (tags == NULL)
    {
      /* Registries that refuse or lack the tag list still get inspected. */
      if (g_error_matches (local_error, SKOPOS_ERROR, SKOPOS_ERROR_DENIED)
          || g_error_matches (local_error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_FOUND))
        {
          g_warning ("Registry disallows tag list retrieval; skipping");
          return TRUE;
        }
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "Error determining repository tags: ");
      return FALSE;
    }
  for (guint i = 0; i < tags->len; i++)
    cli_value_list_append (*out, cli_value_new_string (tags->pdata[i]));
  return TRUE;
}

static char *
digest_for_output (InspectOptions *opts, GBytes *top_raw, const SkoposManifest *image,
                   GError **error)
{
  g_autofree char *algorithm = NULL;
  char *digest;

  if (opts->manifest_digest != NULL && *opts->manifest_digest != '\0')
    algorithm = g_strdup (opts->manifest_digest);
  else if (image->config != NULL)
    algorithm = skopos_digest_dup_algorithm (image->config->digest);
  if (algorithm == NULL)
    algorithm = g_strdup ("sha256");

  digest = skopos_manifest_digest_with_algorithm (top_raw, algorithm, error);
  if (digest == NULL)
    skopos_prefix_error (error, "Error computing manifest digest: ");
  return digest;
}

static gboolean
inspect_info (const SkoposManifest *image, GBytes *config, CliInspectInfo *info, GError **error)
{
  if (is_schema1 (image))
    {
      const char *newest;

      if (image->schema1_history == NULL || image->schema1_history->len == 0)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_MANIFEST, "image has no layers");
      /* SkoposManifest keeps schema 1 history base first; the newest entry is last. */
      newest = image->schema1_history->pdata[image->schema1_history->len - 1];
      return cli_inspect_info_from_schema1 (newest, info, error);
    }

  if (strcmp (image->media_type, SKOPOS_MEDIA_TYPE_OCI_MANIFEST) == 0)
    {
      if (image->config == NULL
          || g_strcmp0 (image->config->media_type, SKOPOS_MEDIA_TYPE_OCI_CONFIG) != 0)
        return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                             "unsupported image-specific operation on artifact with type \"%s\"",
                             image->config != NULL ? image->config->media_type : "");
      return cli_inspect_info_from_oci_config (config, info, error);
    }

  return cli_inspect_info_from_docker_config (config, info, error);
}

/* The manifest of the instance of @list for this platform (or the --override-*
 * one), as skopeo inspects a list. */
static SkoposManifest *
read_platform_instance (CliInvocation *inv, SkoposImageSource *src, const SkoposManifest *list,
                        GError **error)
{
  g_autoptr (SkoposPlatform) wanted = skopos_platform_new_for_runtime (
      inv->global->override_os, inv->global->override_arch, inv->global->override_variant);
  g_autoptr (GBytes) raw = NULL;
  g_autofree char *type = NULL;

  const SkoposDescriptor *chosen = skopos_manifest_list_choose_instance (list, wanted, error);
  if (chosen == NULL
      || !skopos_image_source_get_manifest (src, chosen->digest, &raw, &type, inv->cancellable,
                                            error))
    return NULL;

  g_autoptr (SkoposManifest) instance = skopos_manifest_parse (raw, type, error);
  if (instance == NULL)
    return NULL;
  if (instance->is_list)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_MANIFEST,
                    "the instance %s chosen from the list is itself a list", chosen->digest);
      return NULL;
    }
  return g_steal_pointer (&instance);
}

/* --config: the configuration as skopeo prints it (raw, or as an OCI config). */
static gboolean
print_config (InspectOptions *opts, const SkoposManifest *image, GBytes *config,
              GError **error)
{
  if (opts->raw)
    {
      /* Schema 1 has no configuration blob: skopeo prints nothing. */
      if (config != NULL)
        {
          gsize len = 0;
          const void *data = g_bytes_get_data (config, &len);

          cli_output_write (data, len);
        }
      return TRUE;
    }

  if (is_schema1 (image))
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "Error reading OCI-formatted configuration data: converting a "
                         "schema 1 image's configuration is not supported yet");
  if (strcmp (image->media_type, SKOPOS_MEDIA_TYPE_OCI_MANIFEST) == 0
      && g_strcmp0 (image->config->media_type, SKOPOS_MEDIA_TYPE_OCI_CONFIG) != 0)
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "Error reading OCI-formatted configuration data: unsupported "
                         "image-specific operation on artifact with type \"%s\"",
                         image->config->media_type);

  g_autoptr (CliValue) value = cli_oci_config_value_new (config, error);
  if (value == NULL)
    return skopos_prefix_error (error, "Error reading OCI-formatted configuration data: ");
  if (!cli_output_formatted (opts->format, value, error))
    return skopos_prefix_error (error, "Error writing OCI-formatted configuration data to "
                                       "standard output: ");
  return TRUE;
}

static gboolean
run_inspect (CliInvocation *inv, InspectOptions *opts, GPtrArray *args, GError **error)
{
  const char *name;
  g_autoptr (SkoposContext) ctx = NULL;
  g_autoptr (SkoposImageReference) ref = NULL;
  g_autoptr (SkoposImageSource) src = NULL;
  g_autoptr (GBytes) top_raw = NULL;
  g_autofree char *top_type = NULL;
  g_autoptr (SkoposManifest) top = NULL;
  g_autoptr (SkoposManifest) instance = NULL;
  const SkoposManifest *image;
  g_autoptr (GBytes) config = NULL;
  g_autoptr (CliValue) output = NULL;
  g_autoptr (CliValue) repo_tags = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *docker_name = NULL;
  CliInspectInfo info = { 0 };
  gboolean ok;

  if (args->len != 1)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT, "Exactly one argument expected");
  if (opts->raw && opts->format != NULL && *opts->format != '\0')
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "raw output does not support format option");
  if (opts->manifest_digest != NULL && *opts->manifest_digest != '\0'
      && strcmp (opts->manifest_digest, "sha256") != 0
      && strcmp (opts->manifest_digest, "sha512") != 0)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "digest algorithm \"%s\" is not available", opts->manifest_digest);
  name = args->pdata[0];

  ctx = cli_image_options_new_context (&opts->image, inv->global, error);
  if (ctx == NULL)
    return FALSE;
  cli_retry_options_apply (&opts->retry, ctx);

  ref = skopos_image_reference_parse (name, error);
  if (ref != NULL)
    src = skopos_image_reference_open_source (ref, ctx, inv->cancellable, error);
  if (src == NULL)
    return skopos_prefix_error (error, "Error parsing image name \"%s\": ", name);

  if (!skopos_image_source_get_manifest (src, NULL, &top_raw, &top_type, inv->cancellable, error))
    return skopos_prefix_error (error, "Error retrieving manifest for image %s: ", name);

  if (opts->raw && !opts->config)
    {
      gsize len = 0;
      const void *data = g_bytes_get_data (top_raw, &len);

      cli_output_write (data, len);
      return TRUE;
    }

  top = skopos_manifest_parse (top_raw, top_type, error);
  if (top == NULL)
    return skopos_prefix_error (error, "Error parsing manifest for image %s: ", name);
  image = top;
  if (top->is_list)
    {
      instance = read_platform_instance (inv, src, top, error);
      if (instance == NULL)
        return skopos_prefix_error (error, "Error parsing manifest for image %s: ", name);
      image = instance;
    }

  if (image->config != NULL)
    {
      config = skopos_image_source_read_blob (src, image->config->digest, image->config->size,
                                              inv->cancellable, error);
      if (config == NULL)
        return skopos_prefix_error (error, "Error reading configuration blob of %s: ", name);
    }

  if (opts->config)
    return print_config (opts, image, config, error);

  if (!inspect_info (image, config, &info, error))
    {
      cli_inspect_info_clear (&info);
      return skopos_prefix_error (error, "Error inspecting %s: ", name);
    }

  digest = digest_for_output (opts, top_raw, image, error);
  ok = digest != NULL && repo_tags_value (opts, inv, ref, ctx, &repo_tags, error);
  if (!ok)
    {
      cli_inspect_info_clear (&info);
      return FALSE;
    }
  docker_name = cli_reference_dup_docker_name (ref);

  output = cli_value_new_struct ("inspect.Output");
  cli_value_struct_add (output, "Name", NULL, TRUE, cli_value_new_string (docker_name));
  cli_value_struct_add (output, "Tag", NULL, TRUE,
                        cli_value_new_string (is_schema1 (image) ? image->schema1_tag : ""));
  cli_value_struct_add (output, "Digest", NULL, FALSE, cli_value_new_string (digest));
  cli_value_struct_add (output, "RepoTags", NULL, FALSE, g_steal_pointer (&repo_tags));
  cli_value_struct_add (output, "Created", NULL, FALSE, g_steal_pointer (&info.created));
  cli_value_struct_add (output, "DockerVersion", NULL, FALSE,
                        cli_value_new_string (info.docker_version));
  cli_value_struct_add (output, "Labels", NULL, FALSE, g_steal_pointer (&info.labels));
  cli_value_struct_add (output, "Architecture", NULL, FALSE,
                        cli_value_new_string (info.architecture));
  cli_value_struct_add (output, "Os", NULL, FALSE, cli_value_new_string (info.os));
  cli_value_struct_add (output, "Layers", NULL, FALSE, layers_value (image));
  cli_value_struct_add (output, "LayersData", NULL, FALSE, layers_data_value (image));
  cli_value_struct_add (output, "Env", NULL, FALSE, g_steal_pointer (&info.env));
  cli_inspect_info_clear (&info);

  return cli_output_formatted (opts->format, output, error);
}

gboolean
cmd_inspect (CliInvocation *inv, GError **error)
{
  InspectOptions opts = { 0 };
  g_autoptr (CliOptionTable) shared_flags = NULL;
  g_autoptr (CliOptionTable) image_flags = NULL;
  g_autoptr (CliOptionTable) retry_flags = NULL;
  g_autoptr (GPtrArray) args = NULL;
  const CliOption options[] = {
    { "raw", 0, CLI_OPTION_BOOL, &opts.raw, NULL,
      "print the manifest (or with --config, the configuration) exactly as stored", 0 },
    { "config", 0, CLI_OPTION_BOOL, &opts.config, NULL, "print the image configuration", 0 },
    { "format", 'f', CLI_OPTION_STRING, &opts.format, NULL,
      "print through a Go template, e.g. '{{.Digest}}'", 0 },
    { "no-tags", 'n', CLI_OPTION_BOOL, &opts.no_tags, NULL,
      "do not list the repository's tags (docker:)", 0 },
    { "manifest-digest", 0, CLI_OPTION_STRING, &opts.manifest_digest, "ALGORITHM",
      "digest algorithm for Digest: sha256 or sha512 (default: that of the config)", 0 },
    CLI_OPTION_END
  };
  gboolean ok;

  cli_shared_image_options_init (&opts.shared);
  opts.image.shared = &opts.shared;
  shared_flags = cli_shared_image_flags_new (&opts.shared, FALSE);
  image_flags = cli_image_flags_new (&opts.image, "", NULL, FALSE);
  retry_flags = cli_retry_flags_new (&opts.retry);

  {
    const CliOption *groups[] = { cli_option_table_get (shared_flags),
                                  cli_option_table_get (image_flags),
                                  cli_option_table_get (retry_flags), options, NULL };

    ok = cli_invocation_parse (inv, groups, &args, error) && run_inspect (inv, &opts, args, error);
  }
  cli_options_clear (options);
  return ok;
}
