/* docker-transport.c: the docker transport (docker://NAME[:TAG][@DIGEST]) as libskopos
 * sees it: the descriptor, references, tag lists, deletion and login checks.
 *
 * A reference is a docker reference, normalised ("busybox" is
 * docker.io/library/busybox) and given the tag "latest" when it has neither tag nor
 * digest. Reads go through registries.conf (mirrors first, then the primary
 * location, each possibly rewritten); writes and deletes go to the named registry,
 * which must not be blocked.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <skopos/skopos.h>

#include "docker-plugin.h"

#define MAX_TAG_PAGES 100000

const char *const docker_manifest_types[] = {
  SKOPOS_MEDIA_TYPE_OCI_MANIFEST,
  SKOPOS_MEDIA_TYPE_DOCKER_V2S2,
  SKOPOS_MEDIA_TYPE_OCI_INDEX,
  SKOPOS_MEDIA_TYPE_DOCKER_V2_LIST,
  SKOPOS_MEDIA_TYPE_DOCKER_V2S1_SIGNED,
  SKOPOS_MEDIA_TYPE_DOCKER_V2S1,
  NULL,
};

const char *
docker_reference_tail (DockerReference *ref)
{
  const char *digest = skopos_docker_reference_get_digest (ref->ref);
  return digest != NULL ? digest : skopos_docker_reference_get_tag (ref->ref);
}

/* ---- registries.conf ------------------------------------------------------------------ */

static void
pull_source_free (DockerPullSource *source)
{
  skopos_docker_reference_free (source->ref);
  g_free (source);
}

static DockerPullSource *
pull_source_new (SkoposDockerReference *ref, gboolean insecure)
{
  DockerPullSource *source = g_new0 (DockerPullSource, 1);
  source->ref = ref;
  source->insecure = insecure;
  return source;
}

static SkoposRegistriesConf *
load_registries_conf (SkoposContext *ctx, GError **error)
{
  return skopos_registries_conf_load (ctx, error);
}

GPtrArray *
docker_pull_sources (SkoposContext *ctx, const SkoposDockerReference *ref, GError **error)
{
  g_autoptr (SkoposRegistriesConf) conf = load_registries_conf (ctx, error);
  if (conf == NULL)
    return NULL;

  g_autofree char *text = skopos_docker_reference_to_string (ref);
  g_autoptr (GPtrArray) endpoints = skopos_registries_conf_pull_sources (conf, text, error);
  if (endpoints == NULL)
    return NULL;

  GPtrArray *sources = g_ptr_array_new_with_free_func ((GDestroyNotify) pull_source_free);
  for (guint i = 0; i < endpoints->len; i++)
    {
      SkoposPullSource *ps = endpoints->pdata[i];
      SkoposDockerReference *r = skopos_docker_reference_parse (ps->reference, error);
      if (r == NULL)
        {
          g_ptr_array_unref (sources);
          return NULL;
        }
      g_ptr_array_add (sources, pull_source_new (r, ps->insecure));
    }
  return sources;
}

gboolean
docker_push_target_check (SkoposContext *ctx, const SkoposDockerReference *ref,
                          gboolean *out_insecure, GError **error)
{
  g_autoptr (SkoposRegistriesConf) conf = load_registries_conf (ctx, error);
  if (conf == NULL)
    return FALSE;
  g_autofree char *name = skopos_docker_reference_dup_name (ref);
  return skopos_registries_conf_check_registry (conf, name, out_insecure, error);
}

/* ---- References ------------------------------------------------------------------------ */

static gboolean
docker_parse_reference (const char *text, gpointer *out_reference, GError **error)
{
  if (!g_str_has_prefix (text, "//"))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "docker: image reference '%s' does not start with //", text);

  g_autoptr (SkoposDockerReference) parsed = skopos_docker_reference_parse (text + 2, error);
  if (parsed == NULL)
    return FALSE;

  DockerReference *ref = g_new0 (DockerReference, 1);
  ref->ref = skopos_docker_reference_with_default_tag (parsed);
  *out_reference = ref;
  return TRUE;
}

static char *
docker_ref_to_string (gpointer handle)
{
  DockerReference *ref = handle;
  g_autofree char *familiar = skopos_docker_reference_to_familiar_string (ref->ref);
  return g_strconcat ("//", familiar, NULL);
}

static char *
docker_ref_docker_reference (gpointer handle)
{
  DockerReference *ref = handle;
  return skopos_docker_reference_to_string (ref->ref);
}

static char *
docker_ref_policy_identity (gpointer handle)
{
  DockerReference *ref = handle;
  return skopos_docker_reference_to_string (ref->ref);
}

static void
docker_ref_free (gpointer handle)
{
  DockerReference *ref = handle;
  if (ref == NULL)
    return;
  skopos_docker_reference_free (ref->ref);
  g_free (ref);
}

/* ---- Deleting ------------------------------------------------------------------------------ */

static GPtrArray *
accept_headers (void)
{
  GPtrArray *headers = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *list = g_strjoinv (", ", (char **) docker_manifest_types);
  g_ptr_array_add (headers, g_strconcat ("Accept: ", list, NULL));
  return headers;
}

/* The digest a tag names: the Docker-Content-Digest of a HEAD, or, from a registry
 * that does not send it, the digest of the manifest a GET returns. */
static char *
resolve_digest (DockerClient *client, const char *tag, GCancellable *cancellable,
                GError **error)
{
  const char *registry = docker_client_get_registry (client);
  const char *repo = docker_client_get_repository (client);
  g_autofree char *path = g_strdup_printf ("/v2/%s/manifests/%s", repo, tag);
  g_autofree char *what = g_strdup_printf ("reading manifest %s in %s/%s", tag, registry, repo);
  g_autoptr (GPtrArray) headers = accept_headers ();

  for (guint i = 0; i < 2; i++)
    {
      DockerClientRequest req = {
        .method = i == 0 ? "HEAD" : "GET",
        .path = path,
        .headers = headers,
        .follow_redirects = TRUE,
        .what = what,
      };
      g_autoptr (DockerResponse) resp = NULL;
      if (!docker_client_request (client, &req, &resp, cancellable, error))
        return NULL;
      if (resp->status != 200)
        {
          docker_client_error_from_response (resp, what, error);
          return NULL;
        }

      const char *header = docker_response_get_header (resp, "docker-content-digest");
      if (i == 0 && header != NULL && skopos_digest_validate (header, NULL))
        return g_strdup (header);
      if (i == 1)
        {
          if (header != NULL && skopos_manifest_matches_digest (resp->body, header))
            return g_strdup (header);
          char *digest = skopos_manifest_digest (resp->body, error);
          if (digest == NULL)
            skopos_prefix_error (error, "%s: ", what);
          return digest;
        }
    }
  g_assert_not_reached ();
}

static gboolean
docker_delete_image (gpointer handle, SkoposContext *ctx, GCancellable *cancellable,
                     GError **error)
{
  DockerReference *ref = handle;
  gboolean insecure = FALSE;
  if (!docker_push_target_check (ctx, ref->ref, &insecure, error))
    return FALSE;

  const char *domain = skopos_docker_reference_get_domain (ref->ref);
  const char *path = skopos_docker_reference_get_path (ref->ref);
  g_autoptr (DockerClient) client = docker_client_new (ctx, domain, path, insecure,
                                                       DOCKER_ACCESS_DELETE, error);
  if (client == NULL)
    return FALSE;

  /* Registries delete manifests by digest only: resolve a tag first. */
  g_autofree char *digest = g_strdup (skopos_docker_reference_get_digest (ref->ref));
  if (digest == NULL)
    {
      digest = resolve_digest (client, docker_reference_tail (ref), cancellable, error);
      if (digest == NULL)
        return FALSE;
    }

  g_autofree char *delete_path = g_strdup_printf ("/v2/%s/manifests/%s", path, digest);
  g_autofree char *delete_what = g_strdup_printf ("deleting manifest %s in %s/%s", digest,
                                                  domain, path);
  DockerClientRequest req = {
    .method = "DELETE",
    .path = delete_path,
    .what = delete_what,
  };
  g_autoptr (DockerResponse) resp = NULL;
  if (!docker_client_request (client, &req, &resp, cancellable, error))
    return FALSE;
  if (resp->status == 405)
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "%s: the registry does not allow deleting images", delete_what);
  if (resp->status != 200 && resp->status != 202)
    return docker_client_error_from_response (resp, delete_what, error);
  g_debug ("Deleted %s/%s@%s", domain, path, digest);
  return TRUE;
}

/* ---- Tags ---------------------------------------------------------------------------------- */

static gboolean
read_tag_page (DockerResponse *resp, GPtrArray *tags, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data = g_bytes_get_data (resp->body, &len);
  g_autoptr (GError) local_error = NULL;
  if (!json_parser_load_from_data (parser, data, len, &local_error))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "the tag list is not valid JSON: %s", local_error->message);
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "the tag list is not a JSON object");

  JsonNode *list = json_object_get_member (json_node_get_object (root), "tags");
  if (list == NULL || JSON_NODE_HOLDS_NULL (list))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (list))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "\"tags\" is not an array");

  JsonArray *array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *tag = json_array_get_element (array, i);
      if (!JSON_NODE_HOLDS_VALUE (tag) || json_node_get_value_type (tag) != G_TYPE_STRING)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "a tag is not a string");
      g_ptr_array_add (tags, g_strdup (json_node_get_string (tag)));
    }
  return TRUE;
}

static gboolean
list_tags_from (DockerPullSource *source, SkoposContext *ctx, GPtrArray **out_tags,
                GCancellable *cancellable, GError **error)
{
  const char *domain = skopos_docker_reference_get_domain (source->ref);
  const char *path = skopos_docker_reference_get_path (source->ref);
  g_autoptr (DockerClient) client = docker_client_new (ctx, domain, path, source->insecure,
                                                       DOCKER_ACCESS_PULL, error);
  if (client == NULL)
    return FALSE;

  g_autoptr (GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *next = g_strdup_printf ("/v2/%s/tags/list", path);
  g_autofree char *what = g_strdup_printf ("listing tags of %s/%s", domain, path);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint page = 0; next != NULL; page++)
    {
      if (page >= MAX_TAG_PAGES || !g_hash_table_add (seen, g_strdup (next)))
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                             "%s: the registry's Link pages go round in a circle", what);

      g_autofree char *headers_json = NULL;
      g_autoptr (GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (headers, g_strdup ("Accept: application/json"));
      DockerClientRequest req = {
        .method = "GET",
        .path = next,
        .headers = headers,
        .follow_redirects = TRUE,
        .what = what,
      };
      g_autoptr (DockerResponse) resp = NULL;
      if (!docker_client_request (client, &req, &resp, cancellable, error))
        return FALSE;
      if (resp->status != 200)
        return docker_client_error_from_response (resp, what, error);
      if (!read_tag_page (resp, tags, error))
        return skopos_prefix_error (error, "%s: ", what);

      g_autofree char *link = docker_parse_link_next (docker_response_get_header (resp, "link"));
      g_clear_pointer (&next, g_free);
      if (link != NULL)
        next = docker_url_resolve (resp->url, link);
      if (next != NULL)
        g_debug ("%s: %u tags so far, next page %s", what, tags->len, next);
    }

  *out_tags = g_steal_pointer (&tags);
  return TRUE;
}

static gboolean
docker_list_tags (gpointer handle, SkoposContext *ctx, GCancellable *cancellable,
                  GPtrArray **out_tags, GError **error)
{
  DockerReference *ref = handle;
  g_autoptr (GPtrArray) sources = docker_pull_sources (ctx, ref->ref, error);
  if (sources == NULL)
    return FALSE;

  g_autoptr (GError) last_error = NULL;
  for (guint i = 0; i < sources->len; i++)
    {
      g_clear_error (&last_error);
      if (list_tags_from (sources->pdata[i], ctx, out_tags, cancellable, &last_error))
        return TRUE;
      if (g_error_matches (last_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        break;
      g_debug ("%s", last_error->message);
    }
  g_propagate_error (error, g_steal_pointer (&last_error));
  return FALSE;
}

/* ---- Login ------------------------------------------------------------------------------- */

static gboolean
docker_check_credentials (const char *registry, const char *username, const char *password,
                          SkoposContext *ctx, GCancellable *cancellable, GError **error)
{
  g_autoptr (SkoposContext) check_ctx = skopos_context_new ();

  /* Only what matters for one request, with the credentials to try. */
  const char *keys[] = { SKOPOS_CONTEXT_CERT_DIR, SKOPOS_CONTEXT_USER_AGENT,
                         SKOPOS_CONTEXT_REGISTRIES_CONF };
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (skopos_context_get_string (ctx, keys[i]) != NULL)
      skopos_context_set_string (check_ctx, keys[i], skopos_context_get_string (ctx, keys[i]));
  if (skopos_context_has (ctx, SKOPOS_CONTEXT_TLS_VERIFY))
    skopos_context_set_boolean (check_ctx, SKOPOS_CONTEXT_TLS_VERIFY,
                                skopos_context_get_boolean (ctx, SKOPOS_CONTEXT_TLS_VERIFY, TRUE));
  skopos_context_set_int (check_ctx, SKOPOS_CONTEXT_RETRY_TIMES,
                          skopos_context_get_int (ctx, SKOPOS_CONTEXT_RETRY_TIMES, 0));
  skopos_context_set_string (check_ctx, SKOPOS_CONTEXT_USERNAME, username);
  skopos_context_set_string (check_ctx, SKOPOS_CONTEXT_PASSWORD, password);

  /* The registry part of "host/ns" keys. */
  g_autofree char *host = g_strdup (registry);
  char *slash = strchr (host, '/');
  if (slash != NULL)
    *slash = '\0';

  g_autoptr (SkoposRegistriesConf) conf = load_registries_conf (ctx, error);
  if (conf == NULL)
    return FALSE;
  gboolean insecure = FALSE;
  if (!skopos_registries_conf_check_registry (conf, host, &insecure, error))
    return FALSE;

  g_autoptr (DockerClient) client = docker_client_new (check_ctx, host, NULL, insecure,
                                                       DOCKER_ACCESS_PULL, error);
  if (client == NULL)
    return FALSE;

  g_autofree char *what = g_strdup_printf ("logging in to %s", host);
  DockerClientRequest req = {
    .method = "GET",
    .path = "/v2/",
    .what = what,
  };
  g_autoptr (DockerResponse) resp = NULL;
  if (!docker_client_request (client, &req, &resp, cancellable, error))
    return FALSE;
  if (resp->status == 401)
    return skopos_throw (error, SKOPOS_ERROR_UNAUTHORIZED,
                         "%s: invalid username/password", what);
  if (resp->status != 200)
    return docker_client_error_from_response (resp, what, error);
  return TRUE;
}

/* ---- Descriptor -------------------------------------------------------------------------- */

static gboolean
docker_init (GError **error)
{
  return docker_http_global_init (error);
}

static const SkoposReferenceOps reference_ops = {
  .struct_size = sizeof (SkoposReferenceOps),
  .to_string = docker_ref_to_string,
  .docker_reference = docker_ref_docker_reference,
  .policy_identity = docker_ref_policy_identity,
  .open_source = docker_source_open,
  .open_destination = docker_destination_open,
  .delete_image = docker_delete_image,
  .free = docker_ref_free,
};

static const SkoposTransportDescriptor descriptor = {
  .abi_major = SKOPOS_TRANSPORT_ABI_MAJOR,
  .abi_minor = SKOPOS_TRANSPORT_ABI_MINOR,
  .struct_size = sizeof (SkoposTransportDescriptor),
  .name = "docker",
  .summary = "container registries, through the Distribution API (docker://NAME[:TAG|@DIGEST])",
  .version = SKOPOS_VERSION,
  .flags = SKOPOS_TRANSPORT_CAN_READ | SKOPOS_TRANSPORT_CAN_WRITE | SKOPOS_TRANSPORT_CAN_DELETE
           | SKOPOS_TRANSPORT_CAN_LIST_TAGS | SKOPOS_TRANSPORT_THREADSAFE_GET_BLOB
           | SKOPOS_TRANSPORT_THREADSAFE_PUT_BLOB | SKOPOS_TRANSPORT_CAN_CHECK_CREDENTIALS,
  .init = docker_init,
  .parse_reference = docker_parse_reference,
  .list_tags = docker_list_tags,
  .check_credentials = docker_check_credentials,
  .reference_ops = &reference_ops,
  .source_ops = &docker_source_ops,
  .destination_ops = &docker_destination_ops,
};

const SkoposTransportDescriptor *
skopos_transport_get_descriptor (void)
{
  return &descriptor;
}
