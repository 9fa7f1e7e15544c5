/* cmd-copy.c: `skopos copy SOURCE DESTINATION`.
 *
 * Accepts every flag of skopeo's copy. Signing, encryption and decryption flags are
 * refused with "not supported yet" rather than ignored, because ignoring them would
 * produce an image the user did not ask for. Progress lines go to stderr (skopeo
 * writes them to stdout, mixing them with results), and -q silences them.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <skopos/skopos-transport-plugin.h>

#include "cli-commands.h"
#include "cli-image.h"

typedef struct
{
  CliSharedImageOptions shared;
  CliImageOptions src;
  CliImageOptions dest;
  CliRetryOptions retry;

  gboolean remove_signatures;
  char *sign_by;
  char *sign_by_sq_fingerprint;
  char *sign_by_sigstore;
  char *sign_by_sigstore_private_key;
  char *sign_passphrase_file;
  CliOptionalString format;
  gboolean preserve_digests;

  GPtrArray *additional_tags;
  gboolean quiet;
  gboolean all;
  CliOptionalString multi_arch;
  char *sign_identity;
  char *digestfile;
  GPtrArray *encryption_keys;
  GArray *encrypt_layers;
  GPtrArray *decryption_keys;
  guint64 image_parallel_copies;
} CopyOptions;

static void
report_progress (SkoposCopyEvent event, const char *subject, gpointer user_data)
{
  switch (event)
    {
    case SKOPOS_COPY_EVENT_GETTING_SIGNATURES:
      fputs ("Getting image source signatures\n", stderr);
      break;
    case SKOPOS_COPY_EVENT_COPYING_BLOB:
      fprintf (stderr, "Copying blob %s\n", subject);
      break;
    case SKOPOS_COPY_EVENT_SKIPPED_BLOB:
      fprintf (stderr, "Copying blob %s skipped: already exists\n", subject);
      break;
    case SKOPOS_COPY_EVENT_COPYING_CONFIG:
    case SKOPOS_COPY_EVENT_SKIPPED_CONFIG:
      /* skopeo prints the config line whether or not the destination had it. */
      fprintf (stderr, "Copying config %s\n", subject);
      break;
    case SKOPOS_COPY_EVENT_WRITING_MANIFEST:
      fputs ("Writing manifest to image destination\n", stderr);
      break;
    case SKOPOS_COPY_EVENT_STORING_SIGNATURES:
      fputs ("Storing signatures\n", stderr);
      break;
    case SKOPOS_COPY_EVENT_COPYING_INSTANCE:
      {
        /* The subject is "i/n digest"; skopeo says "Copying image DIGEST (i/n)". */
        const char *space = subject != NULL ? strchr (subject, ' ') : NULL;

        if (space != NULL)
          fprintf (stderr, "Copying image %s (%.*s)\n", space + 1, (int) (space - subject),
                   subject);
        break;
      }
    case SKOPOS_COPY_EVENT_GETTING_LIST_SIGNATURES:
      fputs ("Getting image list signatures\n", stderr);
      break;
    case SKOPOS_COPY_EVENT_COPYING_LIST:
      fprintf (stderr, "Copying %s of %s images in list\n", subject, subject);
      break;
    case SKOPOS_COPY_EVENT_WRITING_MANIFEST_LIST:
      fputs ("Writing manifest list to image destination\n", stderr);
      break;
    case SKOPOS_COPY_EVENT_BLOB_DONE:
      break;
    }
  fflush (stderr);
}

static gboolean
parse_multi_arch (const char *text, SkoposCopyMultiArch *out, GError **error)
{
  if (strcmp (text, "system") == 0)
    *out = SKOPOS_COPY_SYSTEM;
  else if (strcmp (text, "all") == 0)
    *out = SKOPOS_COPY_ALL;
  else if (strcmp (text, "index-only") == 0)
    *out = SKOPOS_COPY_INDEX_ONLY;
  else
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "unknown multi-arch option \"%s\". Choose one of the supported "
                         "options: 'system', 'all', or 'index-only'", text);
  return TRUE;
}

static gboolean
parse_manifest_format (const char *text, const char **out, GError **error)
{
  if (strcmp (text, "oci") == 0)
    *out = SKOPOS_MEDIA_TYPE_OCI_MANIFEST;
  else if (strcmp (text, "v2s1") == 0)
    *out = SKOPOS_MEDIA_TYPE_DOCKER_V2S1_SIGNED;
  else if (strcmp (text, "v2s2") == 0)
    *out = SKOPOS_MEDIA_TYPE_DOCKER_V2S2;
  else
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "unknown format \"%s\". Choose one of the supported formats: 'oci', "
                         "'v2s1', or 'v2s2'", text);
  return TRUE;
}

/* --additional-tag values must be name:tag references; the destination gets them in
 * their normalised form. */
static gboolean
set_additional_tags (CopyOptions *opts, SkoposContext *dest_ctx, GError **error)
{
  g_autoptr (GPtrArray) normalised = g_ptr_array_new_with_free_func (g_free);

  if (opts->additional_tags == NULL || opts->additional_tags->len == 0)
    return TRUE;

  for (guint i = 0; i < opts->additional_tags->len; i++)
    {
      const char *text = opts->additional_tags->pdata[i];
      g_autoptr (GError) local_error = NULL;
      g_autoptr (SkoposDockerReference) ref = skopos_docker_reference_parse (text, &local_error);

      if (ref == NULL)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                             "error parsing additional-tag '%s': %s", text, local_error->message);
      if (skopos_docker_reference_get_tag (ref) == NULL)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                             "additional-tag '%s' must be a tagged reference", text);
      g_ptr_array_add (normalised, skopos_docker_reference_to_string (ref));
    }
  g_ptr_array_add (normalised, NULL);
  skopos_context_set_strv (dest_ctx, SKOPOS_CONTEXT_ADDITIONAL_TAGS,
                           (const char *const *) normalised->pdata);
  return TRUE;
}

static gboolean
write_digest_file (const char *path, const char *digest, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  /* skopeo writes the digest without a newline. */
  if (!g_file_set_contents_full (path, digest, (gssize) strlen (digest),
                                 G_FILE_SET_CONTENTS_NONE, 0644, &local_error))
    return skopos_throw (error, SKOPOS_ERROR_FAILED, "Failed to write digest to file \"%s\": %s",
                         path, local_error->message);
  return TRUE;
}

static gboolean
run_copy (CliInvocation *inv, CopyOptions *opts, GPtrArray *args, GError **error)
{
  const char *src_name;
  const char *dest_name;
  g_autoptr (SkoposPolicy) policy = NULL;
  g_autoptr (SkoposImageReference) src_ref = NULL;
  g_autoptr (SkoposImageReference) dest_ref = NULL;
  g_autoptr (SkoposContext) src_ctx = NULL;
  g_autoptr (SkoposContext) dest_ctx = NULL;
  g_autoptr (SkoposCopyOptions) copy_options = NULL;
  g_autofree char *digest = NULL;
  SkoposCopyMultiArch multi_arch = SKOPOS_COPY_SYSTEM;
  const char *manifest_type = NULL;
  const char *dest_transport;

  if (args->len != 2)
    return cli_invocation_usage_error_with_help (inv, error, "Exactly two arguments expected");
  src_name = args->pdata[0];
  dest_name = args->pdata[1];

  if (opts->shared.deprecated_tls.present)
    g_warning ("'--tls-verify' is deprecated, instead use: --src-tls-verify, --dest-tls-verify");

  policy = cli_invocation_load_policy (inv, error);
  if (policy == NULL)
    return FALSE;

  src_ref = skopos_image_reference_parse (src_name, error);
  if (src_ref == NULL)
    return skopos_prefix_error (error, "Invalid source name %s: ", src_name);
  dest_ref = skopos_image_reference_parse (dest_name, error);
  if (dest_ref == NULL)
    return skopos_prefix_error (error, "Invalid destination name %s: ", dest_name);
  dest_transport = skopos_transport_get_name (skopos_image_reference_get_transport (dest_ref));

  src_ctx = cli_image_options_new_context (&opts->src, inv->global, error);
  if (src_ctx == NULL)
    return FALSE;
  dest_ctx = cli_image_options_new_context (&opts->dest, inv->global, error);
  if (dest_ctx == NULL)
    return FALSE;
  cli_retry_options_apply (&opts->retry, src_ctx);
  cli_retry_options_apply (&opts->retry, dest_ctx);

  if (!set_additional_tags (opts, dest_ctx, error))
    return FALSE;

  if (opts->multi_arch.present && opts->all)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "Cannot use --all and --multi-arch flags together");
  if (opts->multi_arch.present && !parse_multi_arch (opts->multi_arch.value, &multi_arch, error))
    return FALSE;
  if (opts->all)
    multi_arch = SKOPOS_COPY_ALL;

  if (opts->format.present && !parse_manifest_format (opts->format.value, &manifest_type, error))
    return FALSE;

  if (!cli_image_options_apply_destination (&opts->dest, dest_ctx, "dest-", dest_transport, error))
    return FALSE;

  copy_options = skopos_copy_options_new ();
  skopos_copy_options_set_source_context (copy_options, src_ctx);
  skopos_copy_options_set_destination_context (copy_options, dest_ctx);
  skopos_copy_options_set_multi_arch (copy_options, multi_arch);
  skopos_copy_options_set_manifest_type (copy_options, manifest_type);
  skopos_copy_options_set_preserve_digests (copy_options, opts->preserve_digests);
  skopos_copy_options_set_remove_signatures (copy_options, opts->remove_signatures);
  if (opts->retry.times > 0)
    skopos_copy_options_set_retry_times (copy_options, (guint) MIN (opts->retry.times, G_MAXUINT));
  /* --dest-decompress is a dir: option in skopeo; elsewhere it only warns. */
  if (opts->dest.dir_decompress && g_strcmp0 (dest_transport, "dir") == 0)
    skopos_copy_options_set_layer_compression (copy_options, SKOPOS_LAYER_COMPRESSION_DECOMPRESS);
  if (!opts->quiet)
    skopos_copy_options_set_progress (copy_options, report_progress, NULL);

  if (!skopos_copy_image (policy, dest_ref, src_ref, copy_options, &digest, inv->cancellable,
                          error))
    return skopos_prefix_error (error, "Error copying %s to %s: ", src_name, dest_name);

  if (opts->digestfile != NULL && *opts->digestfile != '\0')
    {
      if (digest == NULL)
        return skopos_throw (error, SKOPOS_ERROR_FAILED,
                             "the copy did not report a manifest digest for --digestfile");
      if (!write_digest_file (opts->digestfile, digest, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
cmd_copy (CliInvocation *inv, GError **error)
{
  CopyOptions opts = { 0 };
  g_autoptr (CliOptionTable) shared_flags = NULL;
  g_autoptr (CliOptionTable) src_flags = NULL;
  g_autoptr (CliOptionTable) dest_flags = NULL;
  g_autoptr (CliOptionTable) retry_flags = NULL;
  g_autoptr (GPtrArray) args = NULL;
  const CliOption options[] = {
    { "remove-signatures", 0, CLI_OPTION_BOOL, &opts.remove_signatures, NULL,
      "do not copy signatures", 0 },
    { "sign-by", 0, CLI_OPTION_STRING, &opts.sign_by, "FINGERPRINT",
      "sign with the GPG key FINGERPRINT", CLI_OPTION_FLAG_UNSUPPORTED },
    { "sign-by-sq-fingerprint", 0, CLI_OPTION_STRING, &opts.sign_by_sq_fingerprint,
      "FINGERPRINT", "sign with the Sequoia-PGP key FINGERPRINT", CLI_OPTION_FLAG_UNSUPPORTED },
    { "sign-by-sigstore", 0, CLI_OPTION_STRING, &opts.sign_by_sigstore, "PATH",
      "sign with sigstore as set in the parameter file PATH", CLI_OPTION_FLAG_UNSUPPORTED },
    { "sign-by-sigstore-private-key", 0, CLI_OPTION_STRING, &opts.sign_by_sigstore_private_key,
      "PATH", "sign with the sigstore private key at PATH", CLI_OPTION_FLAG_UNSUPPORTED },
    { "sign-passphrase-file", 0, CLI_OPTION_STRING, &opts.sign_passphrase_file, "PATH",
      "read the signing passphrase from PATH", CLI_OPTION_FLAG_UNSUPPORTED },
    { "format", 'f', CLI_OPTION_OPTIONAL_STRING, &opts.format, "MANIFEST-TYPE",
      "manifest type of the copy: oci, v2s1 or v2s2 (default: as the source, if possible)", 0 },
    { "preserve-digests", 0, CLI_OPTION_BOOL, &opts.preserve_digests, NULL,
      "fail rather than change the digest of an image or list", 0 },
    { "additional-tag", 0, CLI_OPTION_STRING_SLICE, &opts.additional_tags, NULL,
      "more name:tag references for the image (docker-archive:)", 0 },
    { "quiet", 'q', CLI_OPTION_BOOL, &opts.quiet, NULL, "print no progress", 0 },
    { "all", 'a', CLI_OPTION_BOOL, &opts.all, NULL,
      "copy every image of a list, not only the one for this platform", 0 },
    { "multi-arch", 0, CLI_OPTION_OPTIONAL_STRING, &opts.multi_arch, NULL,
      "what to copy from a list: system (default), all or index-only", 0 },
    { "sign-identity", 0, CLI_OPTION_STRING, &opts.sign_identity, NULL,
      "docker reference to put in signatures", CLI_OPTION_FLAG_UNSUPPORTED },
    { "digestfile", 0, CLI_OPTION_STRING, &opts.digestfile, NULL,
      "write the digest of the copied manifest to this file", 0 },
    { "encryption-key", 0, CLI_OPTION_STRING_SLICE, &opts.encryption_keys, NULL,
      "key to encrypt layers with", CLI_OPTION_FLAG_UNSUPPORTED },
    { "encrypt-layer", 0, CLI_OPTION_INT_SLICE, &opts.encrypt_layers, NULL,
      "indexes of the layers to encrypt", CLI_OPTION_FLAG_UNSUPPORTED },
    { "decryption-key", 0, CLI_OPTION_STRING_SLICE, &opts.decryption_keys, NULL,
      "key to decrypt layers with", CLI_OPTION_FLAG_UNSUPPORTED },
    { "image-parallel-copies", 0, CLI_OPTION_UINT, &opts.image_parallel_copies, NULL,
      "accepted for compatibility; skopos picks the number of parallel layer copies", 0 },
    CLI_OPTION_END
  };
  gboolean ok;

  cli_shared_image_options_init (&opts.shared);
  opts.src.shared = &opts.shared;
  opts.src.has_deprecated_tls = TRUE;
  opts.dest.shared = &opts.shared;
  opts.dest.has_deprecated_tls = TRUE;
  shared_flags = cli_shared_image_flags_new (&opts.shared, TRUE);
  src_flags = cli_image_flags_new (&opts.src, "src-", "screds", FALSE);
  dest_flags = cli_image_flags_new (&opts.dest, "dest-", "dcreds", TRUE);
  retry_flags = cli_retry_flags_new (&opts.retry);

  {
    const CliOption *groups[] = { cli_option_table_get (shared_flags),
                                  cli_option_table_get (src_flags),
                                  cli_option_table_get (dest_flags),
                                  cli_option_table_get (retry_flags), options, NULL };

    ok = cli_invocation_parse (inv, groups, &args, error)
         && run_copy (inv, &opts, args, error);
  }
  cli_options_clear (options);
  return ok;
}
