/* cli-image.c: image flags shared between commands and their mapping onto
 * SkoposContext keys (see cli-image.h).
 *
 * The checks and their messages follow skopeo's imageOptions.newSystemContext, so a
 * script that trips over one gets the same text from both tools.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include "cli-image.h"

#include <string.h>

struct _CliOptionTable
{
  GArray *options;    /* CliOption, ended by CLI_OPTION_END */
  GPtrArray *strings; /* names built from the prefix */
};

static CliOptionTable *
table_new (void)
{
  CliOptionTable *table = g_new0 (CliOptionTable, 1);

  table->options = g_array_new (TRUE, TRUE, sizeof (CliOption));
  table->strings = g_ptr_array_new_with_free_func (g_free);
  return table;
}

static void
table_add (CliOptionTable *table, const char *prefix, const char *name, char short_name,
           CliOptionType type, gpointer target, const char *arg_name, const char *help,
           guint flags)
{
  char *full = g_strconcat (prefix, name, NULL);
  CliOption option = { full, short_name, type, target, arg_name, help, flags };

  g_ptr_array_add (table->strings, full);
  g_array_append_val (table->options, option);
}

const CliOption *
cli_option_table_get (CliOptionTable *table)
{
  return (const CliOption *) table->options->data;
}

void
cli_option_table_free (CliOptionTable *table)
{
  if (table == NULL)
    return;
  cli_options_clear (cli_option_table_get (table));
  g_array_unref (table->options);
  g_ptr_array_unref (table->strings);
  g_free (table);
}

void
cli_shared_image_options_init (CliSharedImageOptions *shared)
{
  const char *env = g_getenv ("REGISTRY_AUTH_FILE");

  memset (shared, 0, sizeof *shared);
  /* skopeo takes the default of --authfile from the environment. */
  if (env != NULL && *env != '\0')
    shared->authfile = g_strdup (env);
}

CliOptionTable *
cli_shared_image_flags_new (CliSharedImageOptions *shared, gboolean with_deprecated_tls)
{
  CliOptionTable *table = table_new ();

  table_add (table, "", "authfile", 0, CLI_OPTION_STRING, &shared->authfile, NULL,
             "credentials file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)", 0);
  if (with_deprecated_tls)
    table_add (table, "", "tls-verify", 0, CLI_OPTION_OPTIONAL_BOOL, &shared->deprecated_tls,
               NULL, "deprecated: use the --src- and --dest- forms", CLI_OPTION_FLAG_HIDDEN);
  return table;
}

CliOptionTable *
cli_image_flags_new (CliImageOptions *opts, const char *prefix, const char *creds_alias,
                     gboolean destination)
{
  CliOptionTable *table = table_new ();

  if (*prefix != '\0')
    table_add (table, prefix, "authfile", 0, CLI_OPTION_OPTIONAL_STRING, &opts->authfile, NULL,
               "credentials file for this image (overrides --authfile)", 0);
  table_add (table, prefix, "creds", 0, CLI_OPTION_OPTIONAL_STRING, &opts->creds,
             "USERNAME[:PASSWORD]", "log in to the registry as USERNAME[:PASSWORD]", 0);
  table_add (table, prefix, "username", 0, CLI_OPTION_OPTIONAL_STRING, &opts->username, NULL,
             "user name for the registry", 0);
  table_add (table, prefix, "password", 0, CLI_OPTION_OPTIONAL_STRING, &opts->password, NULL,
             "password for the registry", 0);
  if (creds_alias != NULL)
    table_add (table, "", creds_alias, 0, CLI_OPTION_OPTIONAL_STRING, &opts->creds,
               "USERNAME[:PASSWORD]", "old spelling of --creds", CLI_OPTION_FLAG_HIDDEN);
  table_add (table, prefix, "registry-token", 0, CLI_OPTION_OPTIONAL_STRING,
             &opts->registry_token, NULL, "bearer token for the registry", 0);
  table_add (table, prefix, "cert-dir", 0, CLI_OPTION_STRING, &opts->cert_dir, "PATH",
             "folder with *.crt, *.cert and *.key files for the registry or daemon", 0);
  table_add (table, prefix, "tls-verify", 0, CLI_OPTION_OPTIONAL_BOOL, &opts->tls_verify, NULL,
             "use HTTPS and check certificates of the registry or daemon (default true)", 0);
  table_add (table, prefix, "no-creds", 0, CLI_OPTION_BOOL, &opts->no_creds, NULL,
             "access the registry without credentials", 0);
  table_add (table, prefix, "shared-blob-dir", 0, CLI_OPTION_STRING, &opts->shared_blob_dir,
             "DIRECTORY", "keep OCI blobs in DIRECTORY, shared between layouts", 0);
  table_add (table, prefix, "daemon-host", 0, CLI_OPTION_STRING, &opts->daemon_host, "HOST",
             "docker daemon address (docker-daemon: only)", 0);

  if (destination)
    {
      table_add (table, prefix, "compress", 0, CLI_OPTION_BOOL, &opts->dir_compress, NULL,
                 "compress layers written with the dir: transport", 0);
      table_add (table, prefix, "decompress", 0, CLI_OPTION_BOOL, &opts->dir_decompress, NULL,
                 "decompress layers written with the dir: transport", 0);
      table_add (table, prefix, "oci-accept-uncompressed-layers", 0, CLI_OPTION_BOOL,
                 &opts->oci_accept_uncompressed, NULL,
                 "keep uncompressed layers uncompressed in oci: layouts", 0);
      table_add (table, prefix, "compress-format", 0, CLI_OPTION_STRING, &opts->compress_format,
                 "FORMAT", "compression for layers that get compressed (gzip, zstd)", 0);
      table_add (table, prefix, "compress-level", 0, CLI_OPTION_OPTIONAL_INT,
                 &opts->compress_level, "LEVEL", "compression level (gzip 0-9, zstd 1-22)", 0);
      table_add (table, prefix, "precompute-digests", 0, CLI_OPTION_BOOL,
                 &opts->precompute_digests, NULL,
                 "accepted for compatibility; skopos always checks for existing layers", 0);
      table_add (table, prefix, "force-compress-format", 0, CLI_OPTION_BOOL,
                 &opts->force_compress_format, NULL,
                 "recompress layers already compressed in another format", 0);
    }
  return table;
}

CliOptionTable *
cli_retry_flags_new (CliRetryOptions *opts)
{
  CliOptionTable *table = table_new ();

  table_add (table, "", "retry-times", 0, CLI_OPTION_INT, &opts->times, NULL,
             "how many times to retry after a transient failure", 0);
  table_add (table, "", "retry-delay", 0, CLI_OPTION_DURATION, &opts->delay_ns, NULL,
             "fixed delay between retries (default: exponential back-off)", 0);
  return table;
}

gboolean
cli_parse_creds (const char *creds, char **out_user, char **out_password, GError **error)
{
  const char *colon;

  if (*creds == '\0')
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT, "credentials can't be empty");

  colon = strchr (creds, ':');
  *out_user = colon != NULL ? g_strndup (creds, (gsize) (colon - creds)) : g_strdup (creds);
  *out_password = g_strdup (colon != NULL ? colon + 1 : "");
  if (**out_user == '\0')
    {
      g_clear_pointer (out_user, g_free);
      g_clear_pointer (out_password, g_free);
      return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT, "username can't be empty");
    }
  return TRUE;
}

static void
apply_global (SkoposContext *ctx, CliGlobalOptions *global)
{
  g_autofree char *user_agent = NULL;

  if (global->override_arch != NULL && *global->override_arch != '\0')
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_OVERRIDE_ARCH, global->override_arch);
  if (global->override_os != NULL && *global->override_os != '\0')
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_OVERRIDE_OS, global->override_os);
  if (global->override_variant != NULL && *global->override_variant != '\0')
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_OVERRIDE_VARIANT, global->override_variant);
  if (global->tmpdir != NULL && *global->tmpdir != '\0')
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_TMPDIR, global->tmpdir);
  if (global->registries_conf != NULL && *global->registries_conf != '\0')
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_REGISTRIES_CONF, global->registries_conf);
  if (global->registries_d != NULL && *global->registries_d != '\0')
    skopos_context_set_string (ctx, "registries-d", global->registries_d);
  if (global->command_timeout_ns > 0)
    skopos_context_set_int (ctx, SKOPOS_CONTEXT_COMMAND_TIMEOUT_MS,
                            MAX (global->command_timeout_ns / 1000000, 1));

  if (global->user_agent_prefix != NULL && *global->user_agent_prefix != '\0')
    user_agent = g_strdup_printf ("%s skopos/%s", global->user_agent_prefix, SKOPOS_VERSION);
  else
    user_agent = g_strdup_printf ("skopos/%s", SKOPOS_VERSION);
  skopos_context_set_string (ctx, SKOPOS_CONTEXT_USER_AGENT, user_agent);

  /* The deprecated global --tls-verify; an image's own flag overrides it below. */
  if (global->tls_verify.present)
    skopos_context_set_boolean (ctx, SKOPOS_CONTEXT_TLS_VERIFY, global->tls_verify.value);
}

SkoposContext *
cli_image_options_new_context (CliImageOptions *opts, CliGlobalOptions *global, GError **error)
{
  g_autoptr (SkoposContext) ctx = skopos_context_new ();

  apply_global (ctx, global);

  if (opts->cert_dir != NULL && *opts->cert_dir != '\0')
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_CERT_DIR, opts->cert_dir);
  if (opts->shared_blob_dir != NULL && *opts->shared_blob_dir != '\0')
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_SHARED_BLOB_DIR, opts->shared_blob_dir);
  if (opts->daemon_host != NULL && *opts->daemon_host != '\0')
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_DAEMON_HOST, opts->daemon_host);

  if (opts->authfile.present)
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_AUTHFILE, opts->authfile.value);
  else if (opts->shared != NULL && opts->shared->authfile != NULL
           && *opts->shared->authfile != '\0')
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_AUTHFILE, opts->shared->authfile);

  if (opts->has_deprecated_tls && opts->shared != NULL && opts->shared->deprecated_tls.present)
    skopos_context_set_boolean (ctx, SKOPOS_CONTEXT_TLS_VERIFY,
                                opts->shared->deprecated_tls.value);
  if (opts->tls_verify.present)
    skopos_context_set_boolean (ctx, SKOPOS_CONTEXT_TLS_VERIFY, opts->tls_verify.value);

  if (opts->creds.present && opts->no_creds)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "creds and no-creds cannot be specified at the same time"), NULL;
  if (opts->username.present && opts->no_creds)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "username and no-creds cannot be specified at the same time"), NULL;
  if (opts->creds.present && opts->username.present)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "creds and username cannot be specified at the same time"), NULL;
  if (opts->username.present != opts->password.present)
    {
      if (opts->username.present)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                             "password must be specified when username is specified"), NULL;
      return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                           "username must be specified when password is specified"), NULL;
    }

  if (opts->creds.present)
    {
      g_autofree char *user = NULL;
      g_autofree char *password = NULL;

      if (!cli_parse_creds (opts->creds.value, &user, &password, error))
        return NULL;
      skopos_context_set_string (ctx, SKOPOS_CONTEXT_CREDS, opts->creds.value);
      skopos_context_set_string (ctx, SKOPOS_CONTEXT_USERNAME, user);
      skopos_context_set_string (ctx, SKOPOS_CONTEXT_PASSWORD, password);
    }
  else if (opts->username.present)
    {
      g_autofree char *creds =
          g_strdup_printf ("%s:%s", opts->username.value, opts->password.value);

      skopos_context_set_string (ctx, SKOPOS_CONTEXT_CREDS, creds);
      skopos_context_set_string (ctx, SKOPOS_CONTEXT_USERNAME, opts->username.value);
      skopos_context_set_string (ctx, SKOPOS_CONTEXT_PASSWORD, opts->password.value);
    }
  if (opts->registry_token.present)
    skopos_context_set_string (ctx, SKOPOS_CONTEXT_REGISTRY_TOKEN, opts->registry_token.value);
  if (opts->no_creds)
    skopos_context_set_boolean (ctx, SKOPOS_CONTEXT_NO_CREDS, TRUE);

  return g_steal_pointer (&ctx);
}

gboolean
cli_image_options_apply_destination (CliImageOptions *opts,
                                     SkoposContext *ctx,
                                     const char *prefix,
                                     const char *transport_name,
                                     GError **error)
{
  if (g_strcmp0 (transport_name, "dir") != 0)
    {
      if (opts->dir_compress)
        g_warning ("--%scompress can only be used if the destination transport is 'dir'", prefix);
      if (opts->dir_decompress)
        g_warning ("--%sdecompress can only be used if the destination transport is 'dir'",
                   prefix);
    }

  if (opts->dir_compress && opts->dir_decompress)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "--%scompress and --%sdecompress cannot be used together", prefix,
                         prefix);
  if (opts->dir_compress)
    skopos_context_set_boolean (ctx, SKOPOS_CONTEXT_DIR_COMPRESS, TRUE);
  /* The dir transport's key for --dest-decompress (SKOPOS_CONTEXT_DIR_DECOMPRESS). */
  if (opts->dir_decompress)
    skopos_context_set_boolean (ctx, SKOPOS_CONTEXT_DIR_DECOMPRESS, TRUE);
  if (opts->oci_accept_uncompressed)
    skopos_context_set_boolean (ctx, SKOPOS_CONTEXT_OCI_ACCEPT_UNCOMPRESSED, TRUE);

  if (opts->compress_format != NULL && *opts->compress_format != '\0')
    {
      const char *name = opts->compress_format;

      if (strcmp (name, "zstd:chunked") == 0)
        return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                             "--%scompress-format zstd:chunked is not supported yet (gzip and "
                             "zstd are)", prefix);
      if (skopos_compression_from_string (name) == SKOPOS_COMPRESSION_UNKNOWN)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                             "unknown compression algorithm %s", name);
      skopos_context_set_string (ctx, SKOPOS_CONTEXT_COMPRESSION_FORMAT, name);
    }
  if (opts->compress_level.present)
    skopos_context_set_int (ctx, SKOPOS_CONTEXT_COMPRESSION_LEVEL, opts->compress_level.value);
  if (opts->force_compress_format)
    {
      if (opts->compress_format == NULL || *opts->compress_format == '\0')
        return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                             "--%sforce-compress-format needs --%scompress-format", prefix,
                             prefix);
      skopos_context_set_boolean (ctx, SKOPOS_CONTEXT_FORCE_COMPRESSION_FORMAT, TRUE);
    }
  return TRUE;
}

void
cli_retry_options_apply (CliRetryOptions *opts, SkoposContext *ctx)
{
  if (opts->times > 0)
    skopos_context_set_int (ctx, SKOPOS_CONTEXT_RETRY_TIMES, opts->times);
  if (opts->delay_ns > 0)
    skopos_context_set_int (ctx, SKOPOS_CONTEXT_RETRY_DELAY_MS,
                            MAX (opts->delay_ns / 1000000, 1));
}

char *
cli_reference_dup_docker_name (SkoposImageReference *ref)
{
  g_autofree char *text = skopos_image_reference_dup_docker_reference (ref);
  g_autoptr (SkoposDockerReference) parsed = NULL;

  if (text == NULL)
    return NULL;
  parsed = skopos_docker_reference_parse (text, NULL);
  if (parsed == NULL)
    return NULL;
  return skopos_docker_reference_dup_name (parsed);
}
