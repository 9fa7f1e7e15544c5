/* docker-dest.c: writing an image to a registry.
 *
 * Blobs: a blob the repository already has is reused (HEAD); one that another
 * repository of the same registry has is mounted (POST …/uploads/?mount=&from=)
 * instead of uploaded. An upload starts with a POST that opens an upload session,
 * then either
 *   - one PUT …?digest= carrying the whole blob, when its size is known and at most
 *     the chunk size (SKOPOS_DOCKER_UPLOAD_CHUNK_SIZE bytes, default 64 MiB), or
 *   - PATCH requests of at most the chunk size each, then an empty PUT …?digest=,
 *     when the size is unknown or larger.
 * A failed upload cancels its session (DELETE) so the registry keeps nothing.
 *
 * The stream from the core fails its last read when the bytes do not match the
 * digest; the upload then aborts before the registry could commit it. (The registry
 * also checks the digest itself when the PUT completes.)
 *
 * Manifests: list instances are PUT by digest, the top level by tag (or by digest
 * for a digest reference). Nothing else is needed at commit: a registry has no
 * transaction, so a failed copy leaves the blobs it pushed (as every registry client
 * does) but never a manifest pointing at missing data.
 *
 * put_blob and try_reusing_blob may run in several threads at once.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include <skopos/skopos.h>

#include "docker-plugin.h"

#define DEFAULT_CHUNK_SIZE (64 * 1024 * 1024)

typedef struct
{
  DockerClient *client;
  SkoposDockerReference *ref;
  char *repo;
  gint64 chunk_size;
} DockerDest;

static void
docker_dest_free (gpointer handle)
{
  DockerDest *dest = handle;
  if (dest == NULL)
    return;
  g_clear_pointer (&dest->client, docker_client_unref);
  skopos_docker_reference_free (dest->ref);
  g_free (dest->repo);
  g_free (dest);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DockerDest, docker_dest_free)

static gint64
chunk_size_from_env (void)
{
  const char *env = g_getenv ("SKOPOS_DOCKER_UPLOAD_CHUNK_SIZE");
  guint64 value = 0;
  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1024, G_MAXINT64, &value, NULL))
    return value;
  return DEFAULT_CHUNK_SIZE;
}

gboolean
docker_destination_open (gpointer handle, SkoposContext *ctx, GCancellable *cancellable,
                         gpointer *out_destination, GError **error)
{
  DockerReference *ref = handle;

  /* Reading name:tag@digest goes by the digest; writing it would silently create no
   * tag, so it is refused. */
  if (skopos_docker_reference_get_tag (ref->ref) != NULL
      && skopos_docker_reference_get_digest (ref->ref) != NULL)
    {
      g_autofree char *name = skopos_docker_reference_to_string (ref->ref);
      return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                           "cannot write to '%s': a destination takes a tag or a digest, not "
                           "both",
                           name);
    }

  gboolean insecure = FALSE;
  if (!docker_push_target_check (ctx, ref->ref, &insecure, error))
    return FALSE;

  g_autoptr (DockerDest) dest = g_new0 (DockerDest, 1);
  dest->ref = skopos_docker_reference_copy (ref->ref);
  dest->repo = g_strdup (skopos_docker_reference_get_path (ref->ref));
  dest->chunk_size = chunk_size_from_env ();
  dest->client = docker_client_new (ctx, skopos_docker_reference_get_domain (ref->ref),
                                    dest->repo, insecure, DOCKER_ACCESS_PUSH, error);
  if (dest->client == NULL)
    return FALSE;

  /* Fail early (bad address, TLS, no such registry) rather than after reading the
   * source. */
  if (!docker_client_ping (dest->client, cancellable, error))
    return FALSE;

  *out_destination = g_steal_pointer (&dest);
  return TRUE;
}

static const char *const *
docker_dest_supported_manifest_types (gpointer handle)
{
  return docker_manifest_types;
}

static SkoposLayerCompressionPolicy
docker_dest_desired_layer_compression (gpointer handle)
{
  /* Registries serve layers over the network: uncompressed ones are compressed on the
   * way, as skopeo does (already compressed ones stay as they are). */
  return SKOPOS_LAYER_COMPRESSION_COMPRESS;
}

static gboolean
docker_dest_accepts_foreign_layers (gpointer handle)
{
  return TRUE;
}

/* ---- Reuse and mounts ---------------------------------------------------------------- */

static gboolean
blob_exists (DockerDest *dest, const char *digest, gboolean *out_exists, gint64 *out_size,
             GCancellable *cancellable, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/v2/%s/blobs/%s", dest->repo, digest);
  g_autofree char *what = g_strdup_printf ("checking for blob %s in %s/%s", digest,
                                           docker_client_get_registry (dest->client), dest->repo);
  DockerClientRequest req = {
    .method = "HEAD",
    .path = path,
    .follow_redirects = TRUE,
    .what = what,
  };
  g_autoptr (DockerResponse) resp = NULL;
  if (!docker_client_request (dest->client, &req, &resp, cancellable, error))
    return FALSE;

  *out_exists = FALSE;
  if (resp->status == 404)
    return TRUE;
  if (resp->status != 200)
    return docker_client_error_from_response (resp, what, error);

  *out_exists = TRUE;
  const char *length = docker_response_get_header (resp, "content-length");
  guint64 size = 0;
  *out_size = length != NULL && g_ascii_string_to_unsigned (length, 10, 0, G_MAXINT64, &size, NULL)
                  ? (gint64) size
                  : -1;
  return TRUE;
}

/* Cancels an upload session; failures only matter to the log. */
static void
cancel_upload (DockerDest *dest, const char *location)
{
  DockerClientRequest req = {
    .method = "DELETE",
    .path = location,
  };
  g_autoptr (DockerResponse) resp = NULL;
  g_autoptr (GError) local_error = NULL;
  if (!docker_client_request (dest->client, &req, &resp, NULL, &local_error))
    g_debug ("Cancelling upload session: %s", local_error->message);
  else
    g_debug ("Cancelled upload session: %ld", resp->status);
}

static gboolean
try_mount (DockerDest *dest, const SkoposBlobInfo *info, gboolean *out_mounted,
           GCancellable *cancellable, GError **error)
{
  *out_mounted = FALSE;
  g_autoptr (SkoposDockerReference) from = skopos_docker_reference_parse (
      info->source_docker_reference, NULL);
  if (from == NULL
      || !g_str_equal (skopos_docker_reference_get_domain (from),
                       skopos_docker_reference_get_domain (dest->ref))
      || g_str_equal (skopos_docker_reference_get_path (from), dest->repo))
    return TRUE;

  const char *from_repo = skopos_docker_reference_get_path (from);
  docker_client_add_extra_scope (dest->client, from_repo);

  g_autofree char *escaped_digest = g_uri_escape_string (info->digest, NULL, FALSE);
  g_autofree char *escaped_from = g_uri_escape_string (from_repo, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/v2/%s/blobs/uploads/?mount=%s&from=%s", dest->repo,
                                           escaped_digest, escaped_from);
  g_autofree char *what = g_strdup_printf ("mounting blob %s from %s into %s", info->digest,
                                           from_repo, dest->repo);
  DockerClientRequest req = {
    .method = "POST",
    .path = path,
    .what = what,
  };
  g_autoptr (DockerResponse) resp = NULL;
  if (!docker_client_request (dest->client, &req, &resp, cancellable, error))
    return FALSE;

  if (resp->status == 201)
    {
      g_debug ("Mounted %s from %s", info->digest, from_repo);
      *out_mounted = TRUE;
      return TRUE;
    }

  /* 202: the registry opened an ordinary upload instead; we do not need it. */
  const char *location = docker_response_get_header (resp, "location");
  if (resp->status == 202 && location != NULL)
    {
      g_autofree char *url = docker_url_resolve (resp->url, location);
      cancel_upload (dest, url);
      return TRUE;
    }
  g_debug ("%s: HTTP %ld, uploading instead", what, resp->status);
  return TRUE;
}

static gboolean
docker_dest_try_reusing_blob (gpointer handle, const SkoposBlobInfo *info, gboolean *out_reused,
                              gint64 *out_size, GCancellable *cancellable, GError **error)
{
  DockerDest *dest = handle;
  gboolean exists = FALSE;
  gint64 size = -1;

  *out_reused = FALSE;
  if (!blob_exists (dest, info->digest, &exists, &size, cancellable, error))
    return FALSE;
  if (exists)
    {
      g_debug ("Blob %s is already in %s", info->digest, dest->repo);
      *out_reused = TRUE;
      *out_size = size >= 0 ? size : info->size;
      return TRUE;
    }

  if (info->source_docker_reference == NULL)
    return TRUE;

  gboolean mounted = FALSE;
  if (!try_mount (dest, info, &mounted, cancellable, error))
    return FALSE;
  if (mounted)
    {
      *out_reused = TRUE;
      *out_size = info->size;
    }
  return TRUE;
}

/* ---- Uploads ------------------------------------------------------------------------- */

/* The absolute URL of an upload session from an answer's Location. */
static gboolean
upload_location (DockerResponse *resp, const char *what, char **out_url, GError **error)
{
  const char *location = docker_response_get_header (resp, "location");
  if (location == NULL || *location == '\0')
    return skopos_throw (error, SKOPOS_ERROR_FAILED, "%s: the registry gave no upload location",
                         what);
  *out_url = docker_url_resolve (resp->url, location);
  return TRUE;
}

static char *
url_with_digest (const char *url, const char *digest)
{
  g_autofree char *escaped = g_uri_escape_string (digest, NULL, FALSE);
  return g_strdup_printf ("%s%sdigest=%s", url, strchr (url, '?') != NULL ? "&" : "?", escaped);
}

/* Checks the registry stored what we sent. */
static gboolean
check_blob_digest (DockerResponse *resp, const char *digest, const char *what, GError **error)
{
  const char *header = docker_response_get_header (resp, "docker-content-digest");
  if (header != NULL && *header != '\0' && !g_str_equal (header, digest))
    return skopos_throw (error, SKOPOS_ERROR_DIGEST_MISMATCH,
                         "%s: the registry stored digest %s instead", what, header);
  return TRUE;
}

static gboolean
upload_chunks (DockerDest *dest, GInputStream *stream, const SkoposBlobInfo *info,
               char **inout_url, const char *what, GCancellable *cancellable, GError **error)
{
  g_autoptr (GInputStream) buffered = g_buffered_input_stream_new (stream);
  gint64 offset = 0;

  for (gboolean first = TRUE;; first = FALSE)
    {
      /* Anything left? This read also reaches the stream's end, where the core
       * checks the digest, before the final PUT. */
      gssize available = g_buffered_input_stream_fill (G_BUFFERED_INPUT_STREAM (buffered), -1,
                                                       cancellable, error);
      if (available < 0)
        return FALSE;
      if (available == 0 && !first)
        break;
      if (info->size >= 0 && offset >= info->size)
        {
          if (available > 0)
            return skopos_throw (error, SKOPOS_ERROR_SIZE_MISMATCH,
                                 "%s: the blob is larger than %" G_GINT64_FORMAT " bytes", what,
                                 info->size);
          break;
        }

      g_autoptr (GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);
      gint64 sent = 0;
      DockerClientRequest req = {
        .method = "PATCH",
        .path = *inout_url,
        .headers = headers,
        .body_stream = buffered,
        .body_sent = &sent,
        .what = what,
      };
      if (info->size >= 0)
        {
          /* A known slice: its length and place. */
          gint64 length = MIN (dest->chunk_size, info->size - offset);
          req.body_size = length;
          g_ptr_array_add (headers, g_strdup_printf ("Content-Range: %" G_GINT64_FORMAT
                                                     "-%" G_GINT64_FORMAT,
                                                     offset, offset + length - 1));
        }
      else
        {
          /* Unknown size: stream up to one chunk, chunked encoding. */
          req.body_size = -1;
          req.body_limit = dest->chunk_size;
        }

      g_autoptr (DockerResponse) resp = NULL;
      if (!docker_client_request (dest->client, &req, &resp, cancellable, error))
        return FALSE;
      if (resp->status != 202)
        return docker_client_error_from_response (resp, what, error);
      offset += sent;

      g_autofree char *next = NULL;
      if (!upload_location (resp, what, &next, error))
        return FALSE;
      g_free (*inout_url);
      *inout_url = g_steal_pointer (&next);
      g_debug ("%s: %" G_GINT64_FORMAT " bytes sent", what, offset);
    }

  g_autofree char *final_url = url_with_digest (*inout_url, info->digest);
  DockerClientRequest req = {
    .method = "PUT",
    .path = final_url,
    .what = what,
  };
  g_autoptr (DockerResponse) resp = NULL;
  if (!docker_client_request (dest->client, &req, &resp, cancellable, error))
    return FALSE;
  if (resp->status != 201)
    return docker_client_error_from_response (resp, what, error);
  return check_blob_digest (resp, info->digest, what, error);
}

static gboolean
upload_whole (DockerDest *dest, GInputStream *stream, const SkoposBlobInfo *info,
              const char *url, const char *what, GCancellable *cancellable, GError **error)
{
  g_autofree char *put_url = url_with_digest (url, info->digest);
  DockerClientRequest req = {
    .method = "PUT",
    .path = put_url,
    .body_stream = stream,
    .body_size = info->size,
    .body_ends_stream = TRUE,
    .what = what,
  };
  g_autoptr (DockerResponse) resp = NULL;
  if (!docker_client_request (dest->client, &req, &resp, cancellable, error))
    return FALSE;
  if (resp->status != 201)
    return docker_client_error_from_response (resp, what, error);
  return check_blob_digest (resp, info->digest, what, error);
}

static gboolean
docker_dest_put_blob (gpointer handle, GInputStream *stream, const SkoposBlobInfo *info,
                      GCancellable *cancellable, GError **error)
{
  DockerDest *dest = handle;
  const char *registry = docker_client_get_registry (dest->client);
  g_autofree char *what = g_strdup_printf ("uploading blob %s to %s/%s", info->digest, registry,
                                           dest->repo);

  g_autofree char *start_path = g_strdup_printf ("/v2/%s/blobs/uploads/", dest->repo);
  DockerClientRequest start = {
    .method = "POST",
    .path = start_path,
    .what = what,
  };
  g_autoptr (DockerResponse) resp = NULL;
  if (!docker_client_request (dest->client, &start, &resp, cancellable, error))
    return FALSE;
  if (resp->status != 202)
    return docker_client_error_from_response (resp, what, error);

  g_autofree char *url = NULL;
  if (!upload_location (resp, what, &url, error))
    return FALSE;

  gboolean ok;
  g_autoptr (GError) local_error = NULL;
  if (info->size >= 0 && info->size <= dest->chunk_size)
    ok = upload_whole (dest, stream, info, url, what, cancellable, &local_error);
  else
    ok = upload_chunks (dest, stream, info, &url, what, cancellable, &local_error);

  if (!ok)
    {
      cancel_upload (dest, url);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_debug ("Uploaded %s", info->digest);
  return TRUE;
}

/* ---- Manifests ------------------------------------------------------------------------- */

static gboolean
docker_dest_put_manifest (gpointer handle, GBytes *manifest, const char *media_type,
                          const char *instance_digest, GCancellable *cancellable, GError **error)
{
  DockerDest *dest = handle;
  const char *digest = skopos_docker_reference_get_digest (dest->ref);
  const char *tail = instance_digest != NULL ? instance_digest
                     : digest != NULL        ? digest
                                             : skopos_docker_reference_get_tag (dest->ref);

  /* A digest reference must name exactly these bytes. */
  if (instance_digest == NULL && digest != NULL
      && !skopos_manifest_matches_digest (manifest, digest))
    return skopos_throw (error, SKOPOS_ERROR_DIGEST_MISMATCH,
                         "the manifest to write does not match the digest %s of the destination",
                         digest);

  g_autofree char *path = g_strdup_printf ("/v2/%s/manifests/%s", dest->repo, tail);
  g_autofree char *what = g_strdup_printf ("writing manifest %s to %s/%s", tail,
                                           docker_client_get_registry (dest->client), dest->repo);
  g_autoptr (GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *type = media_type != NULL && *media_type != '\0'
                              ? g_strdup (media_type)
                              : skopos_manifest_guess_media_type (manifest);
  g_ptr_array_add (headers, g_strconcat ("Content-Type: ", type, NULL));

  DockerClientRequest req = {
    .method = "PUT",
    .path = path,
    .headers = headers,
    .body = manifest,
    .what = what,
  };
  g_autoptr (DockerResponse) resp = NULL;
  if (!docker_client_request (dest->client, &req, &resp, cancellable, error))
    return FALSE;
  if (resp->status != 201 && resp->status != 200)
    return docker_client_error_from_response (resp, what, error);

  const char *stored = docker_response_get_header (resp, "docker-content-digest");
  if (stored != NULL && *stored != '\0' && !skopos_manifest_matches_digest (manifest, stored))
    return skopos_throw (error, SKOPOS_ERROR_DIGEST_MISMATCH,
                         "%s: the registry stored digest %s, which does not match the manifest",
                         what, stored);
  return TRUE;
}

static gboolean
docker_dest_commit (gpointer handle, GCancellable *cancellable, GError **error)
{
  return TRUE;
}

const SkoposDestinationOps docker_destination_ops = {
  .struct_size = sizeof (SkoposDestinationOps),
  .supported_manifest_types = docker_dest_supported_manifest_types,
  .desired_layer_compression = docker_dest_desired_layer_compression,
  .accepts_foreign_layers = docker_dest_accepts_foreign_layers,
  .put_blob = docker_dest_put_blob,
  .try_reusing_blob = docker_dest_try_reusing_blob,
  .put_manifest = docker_dest_put_manifest,
  .commit = docker_dest_commit,
  .free = docker_dest_free,
};
