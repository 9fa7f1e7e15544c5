/* docker-source.c: reading an image from a registry.
 *
 * Opening a source tries each pull source registries.conf gives (mirrors, then the
 * registry) and keeps the first that serves the manifest; every later read (list
 * instances, blobs) goes to that same endpoint, so one image never mixes endpoints.
 *
 * Manifests are checked: the Docker-Content-Digest header must match the bytes, and
 * a reference by digest must match too. Blobs stream from the registry (or from the
 * other host it redirects to) and resume after a dropped connection while retries
 * are allowed. get_blob may run in several threads at once: each call makes its own
 * transfer, and the client they share locks what it keeps.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include <skopos/skopos.h>

#include "docker-plugin.h"

typedef struct
{
  DockerClient *client;
  SkoposDockerReference *ref; /* where the image is read from (maybe a mirror) */
  char *tail;                 /* tag or digest */
  GBytes *manifest;
  char *media_type;
} DockerSource;

static void
docker_source_free (gpointer handle)
{
  DockerSource *src = handle;
  if (src == NULL)
    return;
  g_clear_pointer (&src->client, docker_client_unref);
  skopos_docker_reference_free (src->ref);
  g_free (src->tail);
  g_clear_pointer (&src->manifest, g_bytes_unref);
  g_free (src->media_type);
  g_free (src);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DockerSource, docker_source_free)

/* Content-Type without parameters ("; charset=utf-8"). */
static char *
media_type_from (DockerResponse *resp)
{
  const char *ct = docker_response_get_header (resp, "content-type");
  if (ct == NULL)
    return NULL;
  g_autofree char *type = g_strndup (ct, strcspn (ct, ";"));
  return g_strstrip (g_steal_pointer (&type));
}

static gboolean
fetch_manifest (DockerClient *client, const char *tail, GBytes **out_manifest,
                char **out_media_type, GCancellable *cancellable, GError **error)
{
  const char *registry = docker_client_get_registry (client);
  const char *repo = docker_client_get_repository (client);
  g_autofree char *path = g_strdup_printf ("/v2/%s/manifests/%s", repo, tail);
  g_autofree char *what = g_strdup_printf ("reading manifest %s in %s/%s", tail, registry, repo);

  g_autoptr (GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *list = g_strjoinv (", ", (char **) docker_manifest_types);
  g_ptr_array_add (headers, g_strconcat ("Accept: ", list, NULL));
  DockerClientRequest req = {
    .method = "GET",
    .path = path,
    .headers = headers,
    .follow_redirects = TRUE,
    .what = what,
  };
  g_autoptr (DockerResponse) resp = NULL;
  if (!docker_client_request (client, &req, &resp, cancellable, error))
    return FALSE;
  if (resp->status != 200)
    return docker_client_error_from_response (resp, what, error);

  /* The registry's digest, checked against what arrived; a registry that sends none
   * gets it computed here, for the debug log and digest references. */
  const char *header = docker_response_get_header (resp, "docker-content-digest");
  if (header != NULL && *header != '\0')
    {
      if (!skopos_manifest_matches_digest (resp->body, header))
        return skopos_throw (error, SKOPOS_ERROR_DIGEST_MISMATCH,
                             "%s: the registry says its digest is %s, but the bytes received do "
                             "not match it",
                             what, header);
    }
  else
    {
      g_autofree char *computed = skopos_manifest_digest (resp->body, NULL);
      g_debug ("%s: no Docker-Content-Digest header; computed %s", what,
               computed != NULL ? computed : "nothing");
    }

  if (g_str_has_prefix (tail, "sha256:") || g_str_has_prefix (tail, "sha512:"))
    if (!skopos_manifest_matches_digest (resp->body, tail))
      return skopos_throw (error, SKOPOS_ERROR_DIGEST_MISMATCH,
                           "%s: the manifest received does not match the digest asked for", what);

  *out_media_type = media_type_from (resp);
  *out_manifest = g_bytes_ref (resp->body);
  return TRUE;
}

gboolean
docker_source_open (gpointer handle, SkoposContext *ctx, GCancellable *cancellable,
                    gpointer *out_source, GError **error)
{
  DockerReference *ref = handle;
  g_autoptr (GPtrArray) sources = docker_pull_sources (ctx, ref->ref, error);
  if (sources == NULL)
    return FALSE;

  g_autoptr (GString) failures = g_string_new (NULL);
  g_autoptr (GError) last_error = NULL;
  for (guint i = 0; i < sources->len; i++)
    {
      DockerPullSource *ps = sources->pdata[i];
      g_clear_error (&last_error);

      g_autoptr (DockerSource) src = g_new0 (DockerSource, 1);
      src->ref = skopos_docker_reference_copy (ps->ref);
      const char *digest = skopos_docker_reference_get_digest (src->ref);
      src->tail = g_strdup (digest != NULL ? digest : skopos_docker_reference_get_tag (src->ref));
      src->client = docker_client_new (ctx, skopos_docker_reference_get_domain (src->ref),
                                       skopos_docker_reference_get_path (src->ref),
                                       ps->insecure, DOCKER_ACCESS_PULL, &last_error);
      if (src->client != NULL
          && fetch_manifest (src->client, src->tail, &src->manifest, &src->media_type,
                             cancellable, &last_error))
        {
          if (i > 0)
            g_debug ("Reading %s from %s/%s", docker_reference_tail (ref),
                     docker_client_get_registry (src->client),
                     docker_client_get_repository (src->client));
          *out_source = g_steal_pointer (&src);
          return TRUE;
        }

      if (g_error_matches (last_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        break;
      g_debug ("%s", last_error->message);
      if (i + 1 < sources->len)
        {
          if (failures->len > 0)
            g_string_append (failures, "; ");
          g_string_append (failures, last_error->message);
        }
    }

  /* The registry's own error decides the kind (not found, unauthorized, …); the
   * mirrors' errors come along in the message. */
  if (failures->len > 0 && last_error != NULL)
    g_prefix_error (&last_error, "(mirrors failed: %s) ", failures->str);
  g_propagate_error (error, g_steal_pointer (&last_error));
  return FALSE;
}

static gboolean
docker_source_get_manifest (gpointer handle, const char *instance_digest, GBytes **out_manifest,
                            char **out_media_type, GCancellable *cancellable, GError **error)
{
  DockerSource *src = handle;
  if (instance_digest == NULL)
    {
      *out_manifest = g_bytes_ref (src->manifest);
      *out_media_type = g_strdup (src->media_type);
      return TRUE;
    }
  return fetch_manifest (src->client, instance_digest, out_manifest, out_media_type, cancellable,
                         error);
}

static gboolean
docker_source_get_blob (gpointer handle, const SkoposBlobInfo *info, GInputStream **out_stream,
                        gint64 *out_size, GCancellable *cancellable, GError **error)
{
  DockerSource *src = handle;
  const char *repo = docker_client_get_repository (src->client);

  /* Foreign layers live at their URLs; the registry may have a copy too. */
  if (info->urls != NULL)
    for (guint i = 0; info->urls[i] != NULL; i++)
      {
        const char *url = info->urls[i];
        if (!g_str_has_prefix (url, "https://") && !g_str_has_prefix (url, "http://"))
          continue;
        g_autoptr (GError) local_error = NULL;
        if (docker_client_get_blob_stream (src->client, url, info->size, out_stream, out_size,
                                           cancellable, &local_error))
          return TRUE;
        g_debug ("Reading %s from %s failed: %s", info->digest, url, local_error->message);
      }

  g_autofree char *path = g_strdup_printf ("/v2/%s/blobs/%s", repo, info->digest);
  if (!docker_client_get_blob_stream (src->client, path, info->size, out_stream, out_size,
                                      cancellable, error))
    return skopos_prefix_error (error, "%s in %s/%s: ", info->digest,
                                docker_client_get_registry (src->client), repo);
  return TRUE;
}

const SkoposSourceOps docker_source_ops = {
  .struct_size = sizeof (SkoposSourceOps),
  .get_manifest = docker_source_get_manifest,
  .get_blob = docker_source_get_blob,
  .free = docker_source_free,
};
