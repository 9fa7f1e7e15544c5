/* docker-client.c: one registry endpoint, as the Distribution API sees it.
 *
 * A client is made for one registry and one repository, with the access it needs
 * (pull; pull and push; everything for deletes). On first use it pings /v2/: over
 * HTTPS, and over plain HTTP only when TLS verification is off (--tls-verify=false
 * or an insecure registry in registries.conf). The 401 answer to the ping names the
 * authentication scheme:
 *   - none (200): requests go out anonymous;
 *   - Basic: every request carries the credentials;
 *   - Bearer: a token for the scopes needed ("repository:NAME:pull,push") is asked
 *     from the realm, with Basic credentials or an OAuth2 refresh token (identity
 *     token), or anonymously; tokens are cached per scope set until they expire.
 * --registry-token replaces all of this with a fixed bearer token.
 *
 * Credentials and tokens are sent only to the registry's own origin (scheme, host and
 * port) and to the realm: a redirect to another host (a blob served from a CDN) is
 * followed without them. Neither ever reaches an error message or the debug log.
 *
 * Retries: 429 is retried up to RETRY_429_TIMES times (or --retry-times, if more),
 * waiting what Retry-After asks (capped) or an exponential backoff; 5xx answers and
 * dropped connections are retried --retry-times times, with --retry-delay between
 * tries or the same backoff. A request whose body streams from the caller is retried
 * only if none of the stream was read. Blob downloads resume with a Range request
 * after a dropped connection while tries remain.
 *
 * Threading: a client is shared by the source or destination and the blob transfers
 * it runs in parallel; the token cache and the ping state are under one mutex, and
 * HTTP requests run outside it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <skopos/skopos.h>

#include "docker-plugin.h"

#define RETRY_429_TIMES 5
#define BACKOFF_INITIAL_MS 1000
#define BACKOFF_MAX_MS 60000
#define MAX_REDIRECTS 10
#define TOKEN_DEFAULT_LIFETIME_S 60
#define TOKEN_MIN_LIFETIME_S 60

/* For g_ptr_array_sort(), which passes pointers to the elements. */
static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

typedef struct
{
  char *value;
  gint64 expires; /* monotonic µs */
} Token;

static void
token_free (Token *token)
{
  if (token == NULL)
    return;
  if (token->value != NULL)
    explicit_bzero (token->value, strlen (token->value));
  g_free (token->value);
  g_free (token);
}

struct _DockerClient
{
  gatomicrefcount refcount;
  char *registry;   /* "docker.io", "localhost:5000" */
  char *host;       /* where to connect: "registry-1.docker.io" */
  char *repository; /* "library/busybox" */
  DockerAccess access;
  gboolean insecure; /* TLS unverified, plain HTTP allowed */
  DockerTls tls;
  SkoposCredentials *creds;
  char *registry_token;
  char *user_agent;
  guint retry_times;
  guint retry_delay_ms; /* 0: exponential backoff */

  GMutex lock;
  gboolean pinged;
  char *base_url;           /* "https://host:port" */
  GPtrArray *challenges;    /* DockerChallenge* from the ping */
  GHashTable *tokens;       /* scope set → Token* */
  GPtrArray *extra_scopes;  /* char* */
};

/* ---- Creation -------------------------------------------------------------------- */

/* A certs.d folder: *.crt are CAs; each *.cert needs its *.key. */
static gboolean
load_cert_dir (DockerTls *tls, const char *dir, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return TRUE;

  tls->ca_dir = g_strdup (dir);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);

  for (guint i = 0; i < names->len; i++)
    {
      const char *n = names->pdata[i];
      if (g_str_has_suffix (n, ".cert"))
        {
          g_autofree char *base = g_strndup (n, strlen (n) - strlen (".cert"));
          g_autofree char *key_name = g_strconcat (base, ".key", NULL);
          g_autofree char *key = g_build_filename (dir, key_name, NULL);
          if (!g_file_test (key, G_FILE_TEST_EXISTS))
            return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                                 "missing key '%s' for client certificate '%s/%s'", key_name,
                                 dir, n);
          if (tls->client_cert == NULL)
            {
              tls->client_cert = g_build_filename (dir, n, NULL);
              tls->client_key = g_steal_pointer (&key);
              g_debug ("Using client certificate '%s'", tls->client_cert);
            }
        }
      else if (g_str_has_suffix (n, ".key"))
        {
          g_autofree char *base = g_strndup (n, strlen (n) - strlen (".key"));
          g_autofree char *cert_name = g_strconcat (base, ".cert", NULL);
          g_autofree char *cert = g_build_filename (dir, cert_name, NULL);
          if (!g_file_test (cert, G_FILE_TEST_EXISTS))
            return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                                 "missing client certificate '%s' for key '%s/%s'", cert_name,
                                 dir, n);
        }
    }
  return TRUE;
}

static const char *
home_dir (void)
{
  const char *home = g_getenv ("HOME");
  return home != NULL && *home != '\0' ? home : g_get_home_dir ();
}

/* --cert-dir, else the first of the per-host certs.d folders that exists. */
static gboolean
setup_tls (DockerTls *tls, SkoposContext *ctx, const char *registry, GError **error)
{
  const char *cert_dir = skopos_context_get_string (ctx, SKOPOS_CONTEXT_CERT_DIR);
  if (cert_dir != NULL && *cert_dir != '\0')
    {
      /* A folder that does not exist is no certificates (as in skopeo); a file given
       * by mistake is an error rather than a silent TLS failure later. */
      if (g_file_test (cert_dir, G_FILE_TEST_EXISTS) && !g_file_test (cert_dir, G_FILE_TEST_IS_DIR))
        return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                             "certificate folder '%s' is not a folder", cert_dir);
      return load_cert_dir (tls, cert_dir, error);
    }

  g_autofree char *user_dir = g_build_filename (home_dir (), ".config", "containers", "certs.d",
                                                NULL);
  const char *roots[] = { user_dir, "/etc/containers/certs.d", "/etc/docker/certs.d" };
  for (guint i = 0; i < G_N_ELEMENTS (roots); i++)
    {
      g_autofree char *dir = g_build_filename (roots[i], registry, NULL);
      if (g_file_test (dir, G_FILE_TEST_IS_DIR))
        {
          g_debug ("Using certificates in '%s'", dir);
          return load_cert_dir (tls, dir, error);
        }
    }
  return TRUE;
}

DockerClient *
docker_client_new (SkoposContext *ctx, const char *registry, const char *repository,
                   gboolean insecure_conf, DockerAccess access, GError **error)
{
  g_autoptr (DockerClient) client = g_new0 (DockerClient, 1);
  g_atomic_ref_count_init (&client->refcount);
  g_mutex_init (&client->lock);
  client->registry = g_strdup (registry);
  client->host = g_strdup (g_str_equal (registry, "docker.io") ? "registry-1.docker.io" : registry);
  client->repository = g_strdup (repository);
  client->access = access;
  client->challenges = g_ptr_array_new_with_free_func ((GDestroyNotify) docker_challenge_free);
  client->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) token_free);
  client->extra_scopes = g_ptr_array_new_with_free_func (g_free);

  if (skopos_context_has (ctx, SKOPOS_CONTEXT_TLS_VERIFY))
    client->tls.verify = skopos_context_get_boolean (ctx, SKOPOS_CONTEXT_TLS_VERIFY, TRUE);
  else
    client->tls.verify = !insecure_conf;
  client->insecure = !client->tls.verify;

  if (!setup_tls (&client->tls, ctx, registry, error))
    return NULL;

  const char *token = skopos_context_get_string (ctx, SKOPOS_CONTEXT_REGISTRY_TOKEN);
  if (token != NULL && *token != '\0')
    client->registry_token = g_strdup (token);
  else
    {
      g_autofree char *key = repository != NULL ? g_strdup_printf ("%s/%s", registry, repository)
                                                : g_strdup (registry);
      g_autofree char *source = NULL;
      if (!skopos_auth_lookup (ctx, key, &client->creds, &source, error))
        return NULL;
      if (client->creds != NULL)
        g_debug ("Using credentials for '%s' from %s", key, source);
    }

  const char *agent = skopos_context_get_string (ctx, SKOPOS_CONTEXT_USER_AGENT);
  client->user_agent = g_strdup (agent != NULL ? agent : "skopos/" SKOPOS_VERSION);
  client->retry_times = CLAMP (skopos_context_get_int (ctx, SKOPOS_CONTEXT_RETRY_TIMES, 0), 0, 100);
  client->retry_delay_ms = CLAMP (skopos_context_get_int (ctx, SKOPOS_CONTEXT_RETRY_DELAY_MS, 0),
                                  0, 3600 * 1000);
  return g_steal_pointer (&client);
}

DockerClient *
docker_client_ref (DockerClient *client)
{
  g_atomic_ref_count_inc (&client->refcount);
  return client;
}

void
docker_client_unref (DockerClient *client)
{
  if (client == NULL || !g_atomic_ref_count_dec (&client->refcount))
    return;
  g_free (client->registry);
  g_free (client->host);
  g_free (client->repository);
  docker_tls_clear (&client->tls);
  skopos_credentials_free (client->creds);
  if (client->registry_token != NULL)
    explicit_bzero (client->registry_token, strlen (client->registry_token));
  g_free (client->registry_token);
  g_free (client->user_agent);
  g_free (client->base_url);
  g_ptr_array_unref (client->challenges);
  g_hash_table_unref (client->tokens);
  g_ptr_array_unref (client->extra_scopes);
  g_mutex_clear (&client->lock);
  g_free (client);
}

const char *
docker_client_get_registry (DockerClient *client)
{
  return client->registry;
}

const char *
docker_client_get_repository (DockerClient *client)
{
  return client->repository;
}

const char *
docker_client_get_base_url (DockerClient *client)
{
  return client->base_url;
}

void
docker_client_add_extra_scope (DockerClient *client, const char *repository)
{
  g_autofree char *scope = g_strdup_printf ("repository:%s:pull", repository);
  g_mutex_lock (&client->lock);
  if (!g_ptr_array_find_with_equal_func (client->extra_scopes, scope, g_str_equal, NULL))
    g_ptr_array_add (client->extra_scopes, g_steal_pointer (&scope));
  g_mutex_unlock (&client->lock);
}

/* ---- Waiting ----------------------------------------------------------------------- */

static gboolean
sleep_ms (guint ms, GCancellable *cancellable, GError **error)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;
  while (g_get_monotonic_time () < end)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      gint64 left = end - g_get_monotonic_time ();
      g_usleep (MIN (left, 100 * 1000));
    }
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

static guint
backoff_ms (DockerClient *client, guint attempt)
{
  if (client->retry_delay_ms > 0)
    return client->retry_delay_ms;
  guint64 ms = (guint64) BACKOFF_INITIAL_MS << MIN (attempt, 16u);
  return MIN (ms, BACKOFF_MAX_MS);
}

/* How many tries an answer with this status gets: 429 always a few, 5xx as many as
 * --retry-times allows, anything else none. */
static guint
retry_limit (DockerClient *client, long status)
{
  if (status == 429)
    return MAX (RETRY_429_TIMES, client->retry_times);
  if (status >= 500)
    return client->retry_times;
  return 0;
}

/* What Retry-After asks for (capped), else the backoff. */
static guint
retry_wait_ms (DockerClient *client, DockerResponse *resp, guint attempt)
{
  gint64 after = docker_parse_retry_after (docker_response_get_header (resp, "retry-after"));
  if (after >= 0)
    return MIN (after * 1000, BACKOFF_MAX_MS);
  return backoff_ms (client, attempt);
}

/* ---- Low-level send ------------------------------------------------------------------ */

static DockerHttpRequest
http_request (DockerClient *client, const char *method, const char *url, GPtrArray *headers)
{
  return (DockerHttpRequest){
    .method = method,
    .url = url,
    .headers = headers,
    .body_size = -1,
    .body_limit = -1,
    .tls = &client->tls,
    .user_agent = client->user_agent,
  };
}

/* A plain request with the transient-failure retries, without auth (ping, tokens). */
static gboolean
send_simple (DockerClient *client, const DockerHttpRequest *req, DockerResponse **out_resp,
             GCancellable *cancellable, GError **error)
{
  for (guint attempt = 0;; attempt++)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (DockerResponse) resp = NULL;
      if (!docker_http_perform (req, &resp, cancellable, &local_error))
        {
          if (docker_http_error_is_transient (local_error) && attempt < client->retry_times)
            {
              g_debug ("%s, trying again", local_error->message);
              if (!sleep_ms (backoff_ms (client, attempt), cancellable, error))
                return FALSE;
              continue;
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      if (attempt < retry_limit (client, resp->status))
        {
          guint wait = retry_wait_ms (client, resp, attempt);
          g_autofree char *safe_url = docker_url_redact (req->url);
          g_debug ("%s %s: %ld, trying again in %u ms", req->method, safe_url, resp->status,
                   wait);
          if (!sleep_ms (wait, cancellable, error))
            return FALSE;
          continue;
        }

      *out_resp = g_steal_pointer (&resp);
      return TRUE;
    }
}

/* ---- Ping ---------------------------------------------------------------------------- */

gboolean
docker_client_ping (DockerClient *client, GCancellable *cancellable, GError **error)
{
  g_mutex_lock (&client->lock);
  gboolean done = client->pinged;
  g_mutex_unlock (&client->lock);
  if (done)
    return TRUE;

  const char *schemes[] = { "https", client->insecure ? "http" : NULL };
  g_autoptr (GError) first_error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (schemes) && schemes[i] != NULL; i++)
    {
      g_autofree char *base = g_strdup_printf ("%s://%s", schemes[i], client->host);
      g_autofree char *url = g_strconcat (base, "/v2/", NULL);
      DockerHttpRequest req = http_request (client, "GET", url, NULL);
      g_autoptr (DockerResponse) resp = NULL;
      g_autoptr (GError) local_error = NULL;

      if (!send_simple (client, &req, &resp, cancellable, &local_error))
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          g_debug ("Ping of %s failed: %s", url, local_error->message);
          if (first_error == NULL)
            first_error = g_steal_pointer (&local_error);
          continue;
        }

      if (resp->status != 200 && resp->status != 401)
        {
          g_autofree char *line = docker_parse_error_body (resp->body, resp->status, NULL);
          if (first_error == NULL)
            first_error = g_error_new (SKOPOS_ERROR, SKOPOS_ERROR_FAILED,
                                       "%s does not look like a registry: %s", url, line);
          continue;
        }

      g_autoptr (GPtrArray) challenges = g_ptr_array_new_with_free_func (
          (GDestroyNotify) docker_challenge_free);
      if (resp->status == 401)
        {
          g_autoptr (GPtrArray) values = docker_response_get_headers (resp, "www-authenticate");
          for (guint j = 0; j < values->len; j++)
            docker_parse_www_authenticate (values->pdata[j], challenges);
        }
      g_debug ("Registry %s: %s, %u authentication challenge(s)", client->registry, base,
               challenges->len);

      g_mutex_lock (&client->lock);
      if (!client->pinged)
        {
          client->pinged = TRUE;
          client->base_url = g_steal_pointer (&base);
          g_ptr_array_extend_and_steal (client->challenges, g_steal_pointer (&challenges));
        }
      g_mutex_unlock (&client->lock);
      return TRUE;
    }

  g_propagate_error (error, g_steal_pointer (&first_error));
  return skopos_prefix_error (error, "pinging container registry %s: ", client->registry);
}

/* ---- Tokens -------------------------------------------------------------------------- */

static char *
scope_key (DockerClient *client, const char *extra)
{
  const char *actions = client->access == DOCKER_ACCESS_PULL    ? "pull"
                        : client->access == DOCKER_ACCESS_PUSH ? "pull,push"
                                                               : "*";
  g_autoptr (GPtrArray) scopes = g_ptr_array_new_with_free_func (g_free);
  /* A client without a repository (login) asks for a token without scope. */
  if (client->repository != NULL)
    g_ptr_array_add (scopes, g_strdup_printf ("repository:%s:%s", client->repository, actions));
  g_mutex_lock (&client->lock);
  for (guint i = 0; i < client->extra_scopes->len; i++)
    g_ptr_array_add (scopes, g_strdup (client->extra_scopes->pdata[i]));
  g_mutex_unlock (&client->lock);
  if (extra != NULL && !g_ptr_array_find_with_equal_func (scopes, extra, g_str_equal, NULL))
    g_ptr_array_add (scopes, g_strdup (extra));
  g_ptr_array_sort (scopes, compare_strings);
  g_ptr_array_add (scopes, NULL);
  return g_strjoinv (" ", (char **) scopes->pdata);
}

static DockerChallenge *
find_challenge (DockerClient *client, const char *scheme)
{
  for (guint i = 0; i < client->challenges->len; i++)
    {
      DockerChallenge *c = client->challenges->pdata[i];
      if (g_str_equal (c->scheme, scheme))
        return c;
    }
  return NULL;
}

static gboolean
parse_token_response (DockerResponse *resp, Token **out_token, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data = g_bytes_get_data (resp->body, &len);
  JsonNode *root = NULL;
  if (json_parser_load_from_data (parser, data, len, NULL))
    root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return skopos_throw (error, SKOPOS_ERROR_FAILED, "the token server answered something that "
                                                     "is not a JSON object");
  JsonObject *obj = json_node_get_object (root);

  const char *value = json_object_get_string_member_with_default (obj, "token", NULL);
  if (value == NULL || *value == '\0')
    value = json_object_get_string_member_with_default (obj, "access_token", NULL);
  if (value == NULL || *value == '\0')
    return skopos_throw (error, SKOPOS_ERROR_FAILED, "the token server sent no token");

  gint64 lifetime = json_object_get_int_member_with_default (obj, "expires_in",
                                                             TOKEN_DEFAULT_LIFETIME_S);
  if (lifetime < TOKEN_MIN_LIFETIME_S)
    lifetime = TOKEN_MIN_LIFETIME_S;

  Token *token = g_new0 (Token, 1);
  token->value = g_strdup (value);
  /* Renew a little early, so a token does not expire on its way. */
  gint64 usable = lifetime - MIN (lifetime / 10, 30);
  token->expires = g_get_monotonic_time () + usable * G_TIME_SPAN_SECOND;
  *out_token = token;
  return TRUE;
}

static gboolean
fetch_token (DockerClient *client, DockerChallenge *challenge, const char *scopes,
             Token **out_token, GCancellable *cancellable, GError **error)
{
  const char *realm = g_hash_table_lookup (challenge->params, "realm");
  const char *service = g_hash_table_lookup (challenge->params, "service");
  if (realm == NULL
      || !(g_str_has_prefix (realm, "https://") || g_str_has_prefix (realm, "http://")))
    return skopos_throw (error, SKOPOS_ERROR_FAILED,
                         "registry %s asks for a bearer token without a usable realm",
                         client->registry);

  g_auto (GStrv) scope_list = *scopes != '\0' ? g_strsplit (scopes, " ", -1) : g_new0 (char *, 1);
  g_autoptr (GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (DockerResponse) resp = NULL;
  g_autofree char *url = NULL;
  SkoposCredentials *creds = client->creds;

  if (creds != NULL && creds->identity_token != NULL)
    {
      /* OAuth2 refresh token grant. */
      g_autoptr (GString) form = g_string_new ("grant_type=refresh_token&client_id=skopos");
      g_string_append (form, "&refresh_token=");
      g_string_append_uri_escaped (form, creds->identity_token, NULL, FALSE);
      if (service != NULL)
        {
          g_string_append (form, "&service=");
          g_string_append_uri_escaped (form, service, NULL, FALSE);
        }
      if (*scopes != '\0')
        {
          g_string_append (form, "&scope=");
          g_string_append_uri_escaped (form, scopes, NULL, FALSE);
        }
      g_ptr_array_add (headers, g_strdup ("Content-Type: application/x-www-form-urlencoded"));
      g_autoptr (GBytes) body = g_bytes_new (form->str, form->len);
      explicit_bzero (form->str, form->len);

      url = g_strdup (realm);
      DockerHttpRequest req = http_request (client, "POST", url, headers);
      req.body = body;
      g_debug ("Asking %s for a token (refresh token) for '%s'", realm, scopes);
      if (!send_simple (client, &req, &resp, cancellable, error))
        return skopos_prefix_error (error, "getting a token for %s: ", client->registry);
    }
  else
    {
      g_autoptr (GString) u = g_string_new (realm);
      gboolean first = strchr (realm, '?') == NULL;
      if (service != NULL)
        {
          g_string_append (u, first ? "?service=" : "&service=");
          g_string_append_uri_escaped (u, service, NULL, FALSE);
          first = FALSE;
        }
      for (guint i = 0; scope_list[i] != NULL; i++)
        {
          g_string_append (u, first ? "?scope=" : "&scope=");
          g_string_append_uri_escaped (u, scope_list[i], NULL, FALSE);
          first = FALSE;
        }
      if (creds != NULL && creds->username != NULL && *creds->username != '\0')
        {
          g_string_append (u, first ? "?account=" : "&account=");
          g_string_append_uri_escaped (u, creds->username, NULL, FALSE);
          g_autofree char *pair = g_strconcat (creds->username, ":",
                                               creds->password != NULL ? creds->password : "",
                                               NULL);
          g_autofree char *b64 = g_base64_encode ((const guchar *) pair, strlen (pair));
          g_ptr_array_add (headers, g_strconcat ("Authorization: Basic ", b64, NULL));
          explicit_bzero (pair, strlen (pair));
          explicit_bzero (b64, strlen (b64));
        }
      url = g_string_free (g_steal_pointer (&u), FALSE);
      DockerHttpRequest req = http_request (client, "GET", url, headers);
      g_debug ("Asking %s for a token for '%s'", realm, scopes);
      if (!send_simple (client, &req, &resp, cancellable, error))
        return skopos_prefix_error (error, "getting a token for %s: ", client->registry);
    }

  for (guint i = 0; i < headers->len; i++)
    explicit_bzero (headers->pdata[i], strlen (headers->pdata[i]));

  if (resp->status == 401 || resp->status == 403)
    {
      g_autofree char *line = docker_parse_error_body (resp->body, resp->status, NULL);
      return skopos_throw (error, SKOPOS_ERROR_UNAUTHORIZED,
                           "authenticating to %s: invalid username/password or no access (%s)",
                           client->registry, line);
    }
  if (resp->status != 200)
    {
      g_autofree char *line = docker_parse_error_body (resp->body, resp->status, NULL);
      return skopos_throw (error, SKOPOS_ERROR_FAILED, "getting a token for %s from %s: %s",
                           client->registry, realm, line);
    }
  if (!parse_token_response (resp, out_token, error))
    return skopos_prefix_error (error, "getting a token for %s: ", client->registry);
  return TRUE;
}

/* The Authorization header value for this client's requests, or NULL for none. */
static gboolean
auth_header (DockerClient *client, const char *extra_scope, gboolean force_new,
             char **out_header, GCancellable *cancellable, GError **error)
{
  *out_header = NULL;
  if (client->registry_token != NULL)
    {
      *out_header = g_strconcat ("Authorization: Bearer ", client->registry_token, NULL);
      return TRUE;
    }

  DockerChallenge *bearer = find_challenge (client, "bearer");
  if (bearer == NULL)
    {
      if (find_challenge (client, "basic") != NULL && client->creds != NULL
          && client->creds->username != NULL)
        {
          g_autofree char *pair = g_strconcat (client->creds->username, ":",
                                               client->creds->password != NULL
                                                   ? client->creds->password
                                                   : "",
                                               NULL);
          g_autofree char *b64 = g_base64_encode ((const guchar *) pair, strlen (pair));
          *out_header = g_strconcat ("Authorization: Basic ", b64, NULL);
          explicit_bzero (pair, strlen (pair));
          explicit_bzero (b64, strlen (b64));
        }
      return TRUE;
    }

  g_autofree char *scopes = scope_key (client, extra_scope);
  if (!force_new)
    {
      g_mutex_lock (&client->lock);
      Token *cached = g_hash_table_lookup (client->tokens, scopes);
      if (cached != NULL && cached->expires > g_get_monotonic_time ())
        *out_header = g_strconcat ("Authorization: Bearer ", cached->value, NULL);
      g_mutex_unlock (&client->lock);
      if (*out_header != NULL)
        return TRUE;
    }

  Token *token = NULL;
  if (!fetch_token (client, bearer, scopes, &token, cancellable, error))
    return FALSE;
  *out_header = g_strconcat ("Authorization: Bearer ", token->value, NULL);
  g_mutex_lock (&client->lock);
  g_hash_table_replace (client->tokens, g_steal_pointer (&scopes), token);
  g_mutex_unlock (&client->lock);
  return TRUE;
}

/* The scope a 401 answer says is missing, when it differs from ours. */
static char *
insufficient_scope (DockerResponse *resp)
{
  g_autoptr (GPtrArray) values = docker_response_get_headers (resp, "www-authenticate");
  g_autoptr (GPtrArray) challenges = g_ptr_array_new_with_free_func (
      (GDestroyNotify) docker_challenge_free);
  for (guint i = 0; i < values->len; i++)
    docker_parse_www_authenticate (values->pdata[i], challenges);
  for (guint i = 0; i < challenges->len; i++)
    {
      DockerChallenge *c = challenges->pdata[i];
      const char *scope = g_hash_table_lookup (c->params, "scope");
      if (g_str_equal (c->scheme, "bearer") && scope != NULL && strchr (scope, ' ') == NULL)
        return g_strdup (scope);
    }
  return NULL;
}

/* ---- Requests ------------------------------------------------------------------------ */

static void
free_secret_string (gpointer data)
{
  char *s = data;
  explicit_bzero (s, strlen (s));
  g_free (s);
}

/* The request loop shared by buffered requests and streamed GETs. */
static gboolean
client_send (DockerClient *client, const DockerClientRequest *req, gboolean streamed,
             DockerResponse **out_resp, GInputStream **out_stream, GCancellable *cancellable,
             GError **error)
{
  if (!docker_client_ping (client, cancellable, error))
    return FALSE;

  g_autofree char *url = strstr (req->path, "://") != NULL
                             ? g_strdup (req->path)
                             : g_strconcat (client->base_url, req->path, NULL);
  g_autofree char *base_origin = docker_url_origin (client->base_url);
  g_autofree char *extra_scope = NULL;
  gboolean auth_retried = FALSE;
  gboolean force_token = FALSE;
  guint redirects = 0;
  guint attempt = 0;

  for (;;)
    {
      g_autofree char *origin = docker_url_origin (url);
      gboolean own_origin = origin != NULL && g_str_equal (origin, base_origin);
      g_autoptr (GPtrArray) headers = g_ptr_array_new_with_free_func (free_secret_string);
      if (req->headers != NULL)
        for (guint i = 0; i < req->headers->len; i++)
          g_ptr_array_add (headers, g_strdup (req->headers->pdata[i]));
      if (own_origin)
        {
          char *auth = NULL;
          if (!auth_header (client, extra_scope, force_token, &auth, cancellable, error))
            return FALSE;
          force_token = FALSE;
          if (auth != NULL)
            g_ptr_array_add (headers, auth);
        }
      else
        g_debug ("%s is on another host than the registry: sending no credentials", url);

      gint64 sent = 0;
      DockerHttpRequest http = http_request (client, req->method, url, headers);
      http.body = req->body;
      http.body_stream = req->body_stream;
      http.body_size = req->body_stream != NULL ? req->body_size : -1;
      http.body_limit = req->body_stream != NULL && req->body_size < 0 && req->body_limit > 0
                            ? req->body_limit
                            : -1;
      http.body_ends_stream = req->body_ends_stream;
      http.body_sent = &sent;

      g_autoptr (DockerResponse) resp = NULL;
      g_autoptr (GInputStream) stream = NULL;
      g_autoptr (GError) local_error = NULL;
      gboolean ok = streamed ? docker_http_open_stream (&http, &resp, &stream, cancellable,
                                                        &local_error)
                             : docker_http_perform (&http, &resp, cancellable, &local_error);
      gboolean replayable = req->body_stream == NULL || sent == 0;
      if (req->body_sent != NULL)
        *req->body_sent = sent;

      if (!ok)
        {
          if (docker_http_error_is_transient (local_error) && replayable
              && attempt < client->retry_times)
            {
              g_debug ("%s, trying again", local_error->message);
              if (!sleep_ms (backoff_ms (client, attempt), cancellable, error))
                return FALSE;
              attempt++;
              continue;
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          if (req->what != NULL)
            skopos_prefix_error (error, "%s: ", req->what);
          return FALSE;
        }

      if (resp->status == 401 && own_origin && !auth_retried && replayable
          && client->registry_token == NULL && find_challenge (client, "bearer") != NULL)
        {
          /* An expired token, or a scope the registry wants that we did not ask for. */
          auth_retried = TRUE;
          force_token = TRUE;
          g_free (extra_scope);
          extra_scope = insufficient_scope (resp);
          g_autofree char *safe_url = docker_url_redact (url);
          g_debug ("%s %s: 401, asking for a new token", req->method, safe_url);
          continue;
        }

      if (attempt < retry_limit (client, resp->status) && replayable)
        {
          guint wait = retry_wait_ms (client, resp, attempt);
          g_autofree char *safe_url = docker_url_redact (url);
          g_debug ("%s %s: %ld, trying again in %u ms", req->method, safe_url, resp->status,
                   wait);
          if (!sleep_ms (wait, cancellable, error))
            return FALSE;
          attempt++;
          continue;
        }

      const char *location = docker_response_get_header (resp, "location");
      if (req->follow_redirects && resp->status >= 300 && resp->status < 400
          && resp->status != 304 && location != NULL)
        {
          if (++redirects > MAX_REDIRECTS)
            return skopos_throw (error, SKOPOS_ERROR_FAILED, "%s: too many redirects",
                                 req->what != NULL ? req->what : url);
          char *next = docker_url_resolve (url, location);
          g_free (url);
          url = next;
          continue;
        }

      *out_resp = g_steal_pointer (&resp);
      if (out_stream != NULL)
        *out_stream = g_steal_pointer (&stream);
      return TRUE;
    }
}

gboolean
docker_client_request (DockerClient *client, const DockerClientRequest *req,
                       DockerResponse **out_resp, GCancellable *cancellable, GError **error)
{
  return client_send (client, req, FALSE, out_resp, NULL, cancellable, error);
}

gboolean
docker_client_error_from_response (DockerResponse *resp, const char *what, GError **error)
{
  g_autofree char *code = NULL;
  g_autofree char *line = docker_parse_error_body (resp->body, resp->status, &code);
  SkoposErrorEnum kind = SKOPOS_ERROR_FAILED;

  if (resp->status == 404 || g_strcmp0 (code, "MANIFEST_UNKNOWN") == 0
      || g_strcmp0 (code, "NAME_UNKNOWN") == 0 || g_strcmp0 (code, "BLOB_UNKNOWN") == 0
      || g_strcmp0 (code, "BLOB_UPLOAD_UNKNOWN") == 0)
    kind = SKOPOS_ERROR_NOT_FOUND;
  else if (resp->status == 401)
    kind = SKOPOS_ERROR_UNAUTHORIZED;
  else if (resp->status == 403)
    kind = SKOPOS_ERROR_DENIED;
  else if (resp->status == 429 || resp->status >= 500)
    kind = SKOPOS_ERROR_RETRYABLE;

  return skopos_throw (error, kind, "%s: %s", what, line);
}

/* ---- Resuming blob streams ----------------------------------------------------------- */

struct _SkoposDockerBlobStream
{
  GInputStream parent;
  DockerClient *client;
  char *path;
  GInputStream *inner;
  gint64 offset;
  gint64 total;      /* -1 unknown */
  guint tries_left;
  guint attempt;
};

#define SKOPOS_TYPE_DOCKER_BLOB_STREAM (skopos_docker_blob_stream_get_type ())
G_DECLARE_FINAL_TYPE (SkoposDockerBlobStream, skopos_docker_blob_stream, SKOPOS,
                      DOCKER_BLOB_STREAM, GInputStream)
G_DEFINE_FINAL_TYPE (SkoposDockerBlobStream, skopos_docker_blob_stream, G_TYPE_INPUT_STREAM)

/* Opens the blob at @offset: a Range request, or a full one whose first bytes are
 * skipped when the server ignores ranges. */
static gboolean
blob_stream_reopen (SkoposDockerBlobStream *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (headers, g_strdup_printf ("Range: bytes=%" G_GINT64_FORMAT "-", self->offset));
  DockerClientRequest req = {
    .method = "GET",
    .path = self->path,
    .headers = headers,
    .follow_redirects = TRUE,
    .what = "resuming a blob download",
  };
  g_autoptr (DockerResponse) resp = NULL;
  g_autoptr (GInputStream) inner = NULL;
  if (!client_send (self->client, &req, TRUE, &resp, &inner, cancellable, error))
    return FALSE;

  if (resp->status == 206)
    {
      const char *range = docker_response_get_header (resp, "content-range");
      g_autofree char *expected = g_strdup_printf ("bytes %" G_GINT64_FORMAT "-", self->offset);
      if (range == NULL || !g_str_has_prefix (range, expected))
        return skopos_throw (error, SKOPOS_ERROR_FAILED,
                             "resuming a blob download: the registry sent range '%s', not from "
                             "byte %" G_GINT64_FORMAT,
                             range != NULL ? range : "", self->offset);
    }
  else if (resp->status == 200)
    {
      g_debug ("The registry ignored the Range request; skipping %" G_GINT64_FORMAT " bytes",
               self->offset);
      gint64 skipped = 0;
      while (skipped < self->offset)
        {
          gssize n = g_input_stream_skip (inner, self->offset - skipped, cancellable, error);
          if (n < 0)
            return FALSE;
          if (n == 0)
            return skopos_throw (error, SKOPOS_ERROR_FAILED,
                                 "resuming a blob download: the blob is shorter than before");
          skipped += n;
        }
    }
  else
    return docker_client_error_from_response (resp, "resuming a blob download", error);

  g_clear_object (&self->inner);
  self->inner = g_steal_pointer (&inner);
  return TRUE;
}

static gssize
blob_stream_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable,
                  GError **error)
{
  SkoposDockerBlobStream *self = SKOPOS_DOCKER_BLOB_STREAM (stream);

  for (;;)
    {
      g_autoptr (GError) local_error = NULL;
      gssize n = self->inner != NULL
                     ? g_input_stream_read (self->inner, buffer, count, cancellable, &local_error)
                     : -1;
      if (n >= 0)
        {
          self->offset += n;
          return n;
        }

      if (local_error != NULL && !docker_http_error_is_transient (local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return -1;
        }
      if (self->tries_left == 0)
        {
          if (local_error != NULL)
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            skopos_throw (error, SKOPOS_ERROR_CONNECTION, "blob download failed");
          skopos_prefix_error (error, "the connection dropped after %" G_GINT64_FORMAT
                                      " bytes of the blob: ",
                               self->offset);
          return -1;
        }

      g_debug ("Blob download interrupted after %" G_GINT64_FORMAT " bytes (%s), resuming",
               self->offset, local_error != NULL ? local_error->message : "no stream");
      self->tries_left--;
      g_clear_object (&self->inner);
      if (!sleep_ms (backoff_ms (self->client, self->attempt++), cancellable, error))
        return -1;

      g_autoptr (GError) reopen_error = NULL;
      if (!blob_stream_reopen (self, cancellable, &reopen_error))
        {
          if (!docker_http_error_is_transient (reopen_error) || self->tries_left == 0)
            {
              g_propagate_error (error, g_steal_pointer (&reopen_error));
              return -1;
            }
          g_debug ("%s", reopen_error->message);
        }
    }
}

static gboolean
blob_stream_close (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  SkoposDockerBlobStream *self = SKOPOS_DOCKER_BLOB_STREAM (stream);
  if (self->inner != NULL)
    g_input_stream_close (self->inner, cancellable, NULL);
  g_clear_object (&self->inner);
  return TRUE;
}

static void
blob_stream_finalize (GObject *object)
{
  SkoposDockerBlobStream *self = SKOPOS_DOCKER_BLOB_STREAM (object);
  g_clear_object (&self->inner);
  g_clear_pointer (&self->client, docker_client_unref);
  g_free (self->path);
  G_OBJECT_CLASS (skopos_docker_blob_stream_parent_class)->finalize (object);
}

static void
skopos_docker_blob_stream_class_init (SkoposDockerBlobStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = blob_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = blob_stream_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = blob_stream_close;
}

static void
skopos_docker_blob_stream_init (SkoposDockerBlobStream *self)
{
}

gboolean
docker_client_get_blob_stream (DockerClient *client, const char *path, gint64 expected_size,
                               GInputStream **out_stream, gint64 *out_size,
                               GCancellable *cancellable, GError **error)
{
  DockerClientRequest req = {
    .method = "GET",
    .path = path,
    .follow_redirects = TRUE,
  };
  g_autoptr (DockerResponse) resp = NULL;
  g_autoptr (GInputStream) inner = NULL;
  if (!client_send (client, &req, TRUE, &resp, &inner, cancellable, error))
    return FALSE;
  if (resp->status != 200)
    return docker_client_error_from_response (resp, "reading blob", error);

  gint64 size = -1;
  const char *length = docker_response_get_header (resp, "content-length");
  guint64 parsed = 0;
  if (length != NULL && g_ascii_string_to_unsigned (length, 10, 0, G_MAXINT64, &parsed, NULL))
    size = parsed;
  if (expected_size >= 0 && size >= 0 && size != expected_size)
    return skopos_throw (error, SKOPOS_ERROR_SIZE_MISMATCH,
                         "reading blob: the registry sends %" G_GINT64_FORMAT
                         " bytes, the manifest says %" G_GINT64_FORMAT,
                         size, expected_size);

  SkoposDockerBlobStream *self = g_object_new (SKOPOS_TYPE_DOCKER_BLOB_STREAM, NULL);
  self->client = docker_client_ref (client);
  self->path = g_strdup (path);
  self->inner = g_steal_pointer (&inner);
  self->total = size >= 0 ? size : expected_size;
  self->tries_left = client->retry_times;
  *out_stream = G_INPUT_STREAM (self);
  *out_size = self->total;
  return TRUE;
}
