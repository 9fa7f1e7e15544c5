/* docker-daemon.c: the docker-daemon transport, images in a Docker Engine (dockerd,
 * or podman's compatible API service).
 *
 * References are NAME[:TAG] or NAME@DIGEST (a tag or a digest is required), or an
 * image ID, sha256:HEX. Reading exports the image (`docker save` through the API)
 * into a temporary file and reads it as a docker archive; writing streams a docker
 * archive into `docker load` as the blobs arrive, so the image is never held whole,
 * neither in memory nor on disk. Both use the archive format in plugins/common.
 *
 * The daemon is found at --src-daemon-host / --dest-daemon-host, else $DOCKER_HOST,
 * else unix:///var/run/docker.sock (daemon-client.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <curl/curl.h>
#include <string.h>

#include "daemon-client.h"
#include "docker-tarfile.h"

typedef struct
{
  char *id;                   /* "sha256:HEX", or NULL */
  SkoposDockerReference *ref; /* with a tag or a digest, or NULL */
} DaemonReference;

typedef struct
{
  DaemonClient *client;
  DaemonLoad *load;
  DockerTarWriter *writer;
  char *repo_tags[2];
} DaemonDestination;

static void
daemon_reference_free (DaemonReference *ref)
{
  if (ref == NULL)
    return;
  g_free (ref->id);
  g_clear_pointer (&ref->ref, skopos_docker_reference_free);
  g_free (ref);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonReference, daemon_reference_free)

static void
daemon_destination_free (DaemonDestination *dest)
{
  if (dest == NULL)
    return;
  /* The writer stops where it is; the load is then aborted, so the daemon gets a
   * broken upload and loads nothing. */
  g_clear_pointer (&dest->writer, docker_tar_writer_free);
  g_clear_pointer (&dest->load, daemon_load_free);
  g_clear_pointer (&dest->client, daemon_client_free);
  g_free (dest->repo_tags[0]);
  g_free (dest);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonDestination, daemon_destination_free)

/* ---- references --------------------------------------------------------------------- */

static gboolean
is_lower_hex (const char *s, gsize len)
{
  if (strlen (s) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
      return FALSE;
  return TRUE;
}

/* "ALGO:HEX" with a known algorithm and the right length is an image ID, never a
 * name:tag, even though it has that shape. */
static gboolean
parse_image_id (const char *text, gboolean *out_is_id, GError **error)
{
  static const struct
  {
    const char *prefix;
    gsize hex_len;
  } algorithms[] = { { "sha256:", 64 }, { "sha384:", 96 }, { "sha512:", 128 } };

  *out_is_id = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (algorithms); i++)
    {
      if (!g_str_has_prefix (text, algorithms[i].prefix)
          || !is_lower_hex (text + strlen (algorithms[i].prefix), algorithms[i].hex_len))
        continue;
      if (i != 0)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                             "Invalid docker-daemon reference '%s': only sha256 image IDs are "
                             "accepted", text);
      *out_is_id = TRUE;
    }
  return TRUE;
}

static gboolean
daemon_parse_reference (const char *text, gpointer *out_reference, GError **error)
{
  g_autoptr (DaemonReference) ref = g_new0 (DaemonReference, 1);

  gboolean is_id = FALSE;
  if (!parse_image_id (text, &is_id, error))
    return FALSE;
  if (is_id)
    {
      ref->id = g_strdup (text);
      *out_reference = g_steal_pointer (&ref);
      return TRUE;
    }

  g_autoptr (GError) local_error = NULL;
  ref->ref = skopos_docker_reference_parse (text, &local_error);
  if (ref->ref == NULL)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "Invalid docker-daemon reference '%s': %s", text, local_error->message);

  if (strcmp (skopos_docker_reference_get_domain (ref->ref), "docker.io") == 0
      && strcmp (skopos_docker_reference_get_path (ref->ref), "library/sha256") == 0)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "Invalid docker-daemon reference '%s': the repository name sha256 is "
                         "reserved for full image IDs (sha256:64 hex digits)", text);
  if (skopos_docker_reference_is_name_only (ref->ref))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "Invalid docker-daemon reference '%s': it has neither a tag nor a "
                         "digest", text);
  if (skopos_docker_reference_get_tag (ref->ref) != NULL
      && skopos_docker_reference_get_digest (ref->ref) != NULL)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "Invalid docker-daemon reference '%s': references with both a tag and "
                         "a digest are not supported", text);

  *out_reference = g_steal_pointer (&ref);
  return TRUE;
}

/* What the daemon is asked for, and what the user reads: the ID, or the short name
 * docker prints ("busybox:latest"). */
static char *
daemon_to_string (gpointer reference)
{
  DaemonReference *ref = reference;
  if (ref->id != NULL)
    return g_strdup (ref->id);
  return skopos_docker_reference_to_familiar_string (ref->ref);
}

static char *
daemon_docker_reference (gpointer reference)
{
  DaemonReference *ref = reference;
  return ref->ref ? skopos_docker_reference_to_string (ref->ref) : NULL;
}

/* Named images are scoped like docker references; image IDs cannot be namespaced,
 * so they only match the transport's default scope. */
static char *
daemon_policy_identity (gpointer reference)
{
  DaemonReference *ref = reference;
  return ref->ref ? skopos_docker_reference_to_string (ref->ref) : g_strdup ("");
}

static void
daemon_reference_free_handle (gpointer reference)
{
  daemon_reference_free (reference);
}

/* ---- reading ------------------------------------------------------------------------ */

static gboolean
daemon_open_source (gpointer reference, SkoposContext *ctx, GCancellable *cancellable,
                    gpointer *out_source, GError **error)
{
  const char *tmpdir = skopos_context_get_tmpdir (ctx);
  g_autofree char *name = daemon_to_string (reference);
  g_autoptr (DaemonClient) client = daemon_client_new (ctx, cancellable, error);
  if (client == NULL)
    return FALSE;

  g_autofree char *path = daemon_client_export (client, name, tmpdir, cancellable, error);
  if (path == NULL)
    return FALSE;

  g_autofree char *display_name = g_strdup_printf ("image '%s' from the Docker daemon at %s",
                                                   name, daemon_client_get_host (client));
  return docker_tar_source_open (path, display_name, tmpdir, TRUE, NULL, -1, out_source,
                                 cancellable, error);
}

/* ---- writing ------------------------------------------------------------------------ */

static gboolean
daemon_open_destination (gpointer reference, SkoposContext *ctx, GCancellable *cancellable,
                         gpointer *out_destination, GError **error)
{
  DaemonReference *ref = reference;
  if (ref->ref == NULL || skopos_docker_reference_get_tag (ref->ref) == NULL
      || skopos_docker_reference_get_digest (ref->ref) != NULL)
    {
      g_autofree char *text = daemon_to_string (reference);
      return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                           "Invalid destination docker-daemon:%s: a destination must be a "
                           "name:tag", text);
    }

  g_autoptr (DaemonDestination) dest = g_new0 (DaemonDestination, 1);
  g_autofree char *name = skopos_docker_reference_dup_name (ref->ref);
  dest->repo_tags[0] = g_strdup_printf ("%s:%s", name, skopos_docker_reference_get_tag (ref->ref));

  dest->client = daemon_client_new (ctx, cancellable, error);
  if (dest->client == NULL)
    return FALSE;
  dest->load = daemon_load_start (dest->client, error);
  if (dest->load == NULL)
    return FALSE;
  dest->writer = docker_tar_writer_new (daemon_load_get_stream (dest->load),
                                        skopos_context_get_tmpdir (ctx));

  *out_destination = g_steal_pointer (&dest);
  return TRUE;
}

static const char *const *
daemon_supported_manifest_types (gpointer destination)
{
  return docker_tar_manifest_types;
}

/* Layers go in as plain tars, whatever compression the daemon would accept, so what
 * it stores never depends on its version supporting zstd. */
static SkoposLayerCompressionPolicy
daemon_desired_layer_compression (gpointer destination)
{
  return SKOPOS_LAYER_COMPRESSION_DECOMPRESS;
}

static gboolean
daemon_accepts_foreign_layers (gpointer destination)
{
  return FALSE;
}

static gboolean
daemon_put_blob (gpointer destination, GInputStream *stream, const SkoposBlobInfo *info,
                 GCancellable *cancellable, GError **error)
{
  DaemonDestination *dest = destination;
  if (docker_tar_writer_put_blob (dest->writer, stream, info, cancellable, error))
    return TRUE;
  daemon_load_explain_failure (dest->load, error);
  return FALSE;
}

static gboolean
daemon_try_reusing_blob (gpointer destination, const SkoposBlobInfo *info, gboolean *out_reused,
                         gint64 *out_size, GCancellable *cancellable, GError **error)
{
  DaemonDestination *dest = destination;
  *out_reused = docker_tar_writer_has_blob (dest->writer, info->digest, out_size);
  return TRUE;
}

static gboolean
daemon_put_manifest (gpointer destination, GBytes *manifest, const char *media_type,
                     const char *instance_digest, GCancellable *cancellable, GError **error)
{
  DaemonDestination *dest = destination;
  if (instance_digest != NULL)
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "a Docker daemon cannot store manifest lists");
  if (docker_tar_writer_add_image (dest->writer, manifest, media_type,
                                   (const char *const *) dest->repo_tags, cancellable, error))
    return TRUE;
  daemon_load_explain_failure (dest->load, error);
  return FALSE;
}

static gboolean
daemon_commit (gpointer destination, GCancellable *cancellable, GError **error)
{
  DaemonDestination *dest = destination;
  if (!docker_tar_writer_finish (dest->writer, cancellable, error))
    {
      daemon_load_explain_failure (dest->load, error);
      return FALSE;
    }
  return daemon_load_finish (dest->load, cancellable, error);
}

static void
daemon_destination_free_handle (gpointer destination)
{
  daemon_destination_free (destination);
}

/* ---- the descriptor ----------------------------------------------------------------- */

static gboolean
daemon_init (GError **error)
{
  CURLcode rc = curl_global_init (CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK)
    return skopos_throw (error, SKOPOS_ERROR_FAILED, "initialising libcurl: %s",
                         curl_easy_strerror (rc));
  return TRUE;
}

static const SkoposReferenceOps daemon_reference_ops = {
  .struct_size = sizeof (SkoposReferenceOps),
  .to_string = daemon_to_string,
  .docker_reference = daemon_docker_reference,
  .policy_identity = daemon_policy_identity,
  .open_source = daemon_open_source,
  .open_destination = daemon_open_destination,
  .free = daemon_reference_free_handle,
};

static const SkoposDestinationOps daemon_destination_ops = {
  .struct_size = sizeof (SkoposDestinationOps),
  .supported_manifest_types = daemon_supported_manifest_types,
  .desired_layer_compression = daemon_desired_layer_compression,
  .accepts_foreign_layers = daemon_accepts_foreign_layers,
  .put_blob = daemon_put_blob,
  .try_reusing_blob = daemon_try_reusing_blob,
  .put_manifest = daemon_put_manifest,
  .commit = daemon_commit,
  .free = daemon_destination_free_handle,
};

static const SkoposTransportDescriptor daemon_descriptor = {
  .abi_major = SKOPOS_TRANSPORT_ABI_MAJOR,
  .abi_minor = SKOPOS_TRANSPORT_ABI_MINOR,
  .struct_size = sizeof (SkoposTransportDescriptor),
  .name = "docker-daemon",
  .summary = "Images in a Docker Engine (docker-daemon:NAME:TAG, NAME@DIGEST or sha256:ID)",
  .version = SKOPOS_VERSION_S,
  .flags = SKOPOS_TRANSPORT_CAN_READ | SKOPOS_TRANSPORT_CAN_WRITE
           | SKOPOS_TRANSPORT_THREADSAFE_GET_BLOB,
  .init = daemon_init,
  .parse_reference = daemon_parse_reference,
  .reference_ops = &daemon_reference_ops,
  .source_ops = &docker_tar_source_ops,
  .destination_ops = &daemon_destination_ops,
};

SKOPOS_TRANSPORT_EXPORT const SkoposTransportDescriptor *
skopos_transport_get_descriptor (void)
{
  return &daemon_descriptor;
}
