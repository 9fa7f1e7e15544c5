/* docker-http.c: HTTP requests through libcurl.
 *
 * Every request gets its own easy handle, so any number of threads can run requests
 * at once; they share one connection cache, DNS cache and TLS session cache through
 * a CURLSH protected by one mutex per data kind. A connection opened by one request
 * is reused by the next request to the same server, whichever thread makes it.
 *
 * Redirects are never followed here: the client decides, because credentials must
 * not follow a redirect to another host.
 *
 * Streamed bodies (blob GETs) use a private multi handle per stream, pumped from the
 * reader's thread: a read runs curl until some bytes are buffered, and the write
 * callback pauses the transfer while more than STREAM_HIGH_WATER bytes wait, so a
 * slow consumer never makes memory grow.
 *
 * Debugging: g_debug() names each request and its status. SKOPOS_DEBUG_HTTP=1 adds
 * libcurl's own trace of headers, with Authorization values and cookies replaced by
 * "<redacted>"; bodies are never logged.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include "docker-plugin.h"

#define DEFAULT_MAX_BODY (16 * 1024 * 1024)
#define STREAM_HIGH_WATER (1024 * 1024)
#define CONNECT_TIMEOUT_S 30L
/* A transfer that moves less than 1 byte per second for this long is dropped. */
#define STALL_TIMEOUT_S 120L

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CURL, curl_easy_cleanup)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CURLM, curl_multi_cleanup)

/* For g_ptr_array_sort(), which passes pointers to the elements. */
static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* ---- Global state ------------------------------------------------------------------ */

static CURLSH *share;
static GMutex share_locks[CURL_LOCK_DATA_LAST];
static char *system_ca_file;

static void
share_lock (CURL *handle, curl_lock_data data, curl_lock_access access, void *userptr)
{
  g_mutex_lock (&share_locks[data]);
}

static void
share_unlock (CURL *handle, curl_lock_data data, void *userptr)
{
  g_mutex_unlock (&share_locks[data]);
}

static gpointer
global_init_once (gpointer data)
{
  if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return GINT_TO_POINTER (FALSE);

  share = curl_share_init ();
  if (share == NULL)
    return GINT_TO_POINTER (FALSE);
  curl_share_setopt (share, CURLSHOPT_LOCKFUNC, share_lock);
  curl_share_setopt (share, CURLSHOPT_UNLOCKFUNC, share_unlock);
  /* Not CURL_LOCK_DATA_CONNECT: libcurl does not support sharing connections between
   * threads, and layers transfer from several threads at once. Connections are
   * reused through the handle pools below instead. */
  curl_share_setopt (share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt (share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);

  /* Where libcurl finds the system CAs: needed to add certs.d CAs to them. */
  CURL *probe = curl_easy_init ();
  if (probe != NULL)
    {
      char *path = NULL;
      if (curl_easy_getinfo (probe, CURLINFO_CAINFO, &path) == CURLE_OK && path != NULL)
        system_ca_file = g_strdup (path);
      curl_easy_cleanup (probe);
    }
  return GINT_TO_POINTER (TRUE);
}

/* Idle handles, kept for their connection caches: an easy handle keeps its
 * connections through curl_easy_reset(), and a multi handle keeps those of the
 * transfers it ran. Each handle is used by one transfer, so one thread, at a time. */
#define MAX_IDLE_HANDLES 8

static GMutex pool_lock;
static GPtrArray *idle_easy;
static GPtrArray *idle_multi;

static gpointer
pool_take (GPtrArray **pool)
{
  gpointer handle = NULL;
  g_mutex_lock (&pool_lock);
  if (*pool != NULL && (*pool)->len > 0)
    handle = g_ptr_array_steal_index_fast (*pool, (*pool)->len - 1);
  g_mutex_unlock (&pool_lock);
  return handle;
}

/* Returns FALSE when the pool is full and the caller must free @handle. */
static gboolean
pool_give (GPtrArray **pool, gpointer handle)
{
  gboolean kept = FALSE;
  g_mutex_lock (&pool_lock);
  if (*pool == NULL)
    *pool = g_ptr_array_new ();
  if ((*pool)->len < MAX_IDLE_HANDLES)
    {
      g_ptr_array_add (*pool, handle);
      kept = TRUE;
    }
  g_mutex_unlock (&pool_lock);
  return kept;
}

static CURL *
easy_acquire (void)
{
  CURL *easy = pool_take (&idle_easy);
  return easy != NULL ? easy : curl_easy_init ();
}

static void
easy_release (CURL *easy)
{
  curl_easy_reset (easy);
  if (!pool_give (&idle_easy, easy))
    curl_easy_cleanup (easy);
}

static CURLM *
multi_acquire (void)
{
  CURLM *multi = pool_take (&idle_multi);
  return multi != NULL ? multi : curl_multi_init ();
}

static void
multi_release (CURLM *multi)
{
  if (!pool_give (&idle_multi, multi))
    curl_multi_cleanup (multi);
}

gboolean
docker_http_global_init (GError **error)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, global_init_once, NULL);
  if (!GPOINTER_TO_INT (once.retval))
    return skopos_throw (error, SKOPOS_ERROR_FAILED, "libcurl could not be initialised");
  return TRUE;
}

/* ---- Small helpers ------------------------------------------------------------------- */

void
docker_tls_clear (DockerTls *tls)
{
  g_clear_pointer (&tls->ca_dir, g_free);
  g_clear_pointer (&tls->client_cert, g_free);
  g_clear_pointer (&tls->client_key, g_free);
}

void
docker_response_free (DockerResponse *resp)
{
  if (resp == NULL)
    return;
  g_ptr_array_unref (resp->header_names);
  g_ptr_array_unref (resp->header_values);
  g_clear_pointer (&resp->body, g_bytes_unref);
  g_free (resp->url);
  g_free (resp);
}

static DockerResponse *
response_new (const char *url)
{
  DockerResponse *resp = g_new0 (DockerResponse, 1);
  resp->header_names = g_ptr_array_new_with_free_func (g_free);
  resp->header_values = g_ptr_array_new_with_free_func (g_free);
  resp->url = g_strdup (url);
  return resp;
}

const char *
docker_response_get_header (DockerResponse *resp, const char *name)
{
  for (guint i = resp->header_names->len; i > 0; i--)
    if (g_ascii_strcasecmp (resp->header_names->pdata[i - 1], name) == 0)
      return resp->header_values->pdata[i - 1];
  return NULL;
}

GPtrArray *
docker_response_get_headers (DockerResponse *resp, const char *name)
{
  GPtrArray *values = g_ptr_array_new ();
  for (guint i = 0; i < resp->header_names->len; i++)
    if (g_ascii_strcasecmp (resp->header_names->pdata[i], name) == 0)
      g_ptr_array_add (values, resp->header_values->pdata[i]);
  return values;
}

/* A curl failure as a GError: transient kinds are SKOPOS_ERROR_CONNECTION. */
static gboolean
throw_curl (GError **error, CURLcode code, const char *errbuf, const char *method,
            const char *url)
{
  g_autofree char *safe_url = docker_url_redact (url);
  const char *detail = errbuf != NULL && *errbuf != '\0' ? errbuf : curl_easy_strerror (code);
  SkoposErrorEnum kind;

  switch (code)
    {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      kind = SKOPOS_ERROR_CONNECTION;
      break;
    default:
      kind = SKOPOS_ERROR_FAILED;
    }
  return skopos_throw (error, kind, "%s %s: %s", method, safe_url, detail);
}

gboolean
docker_http_error_is_transient (const GError *error)
{
  return g_error_matches (error, SKOPOS_ERROR, SKOPOS_ERROR_CONNECTION);
}

/* ---- Redacted trace ---------------------------------------------------------------- */

static gboolean
trace_enabled (void)
{
  static gsize value = 0;
  if (g_once_init_enter (&value))
    {
      const char *env = g_getenv ("SKOPOS_DEBUG_HTTP");
      g_once_init_leave (&value, env != NULL && g_str_equal (env, "1") ? 2 : 1);
    }
  return value == 2;
}

/* A trace line with any credential cut off. Header names are looked for anywhere in
 * the line, not only at its start: over HTTP/2 libcurl logs request headers inside
 * its own text ("h2h3 [authorization: Basic ...]"). In what we send, a "Basic" or
 * "Bearer" credential is cut wherever it appears. */
static char *
redact_trace_line (const char *line, gboolean outgoing)
{
  static const char *const secret_headers[] = { "authorization", "cookie" };
  static const char *const secret_schemes[] = { "basic ", "bearer " };
  g_autofree char *lower = g_ascii_strdown (line, -1);

  for (gsize i = 0; i < G_N_ELEMENTS (secret_headers); i++)
    {
      const char *hit = strstr (lower, secret_headers[i]);
      if (hit != NULL)
        return g_strdup_printf ("%.*s: <redacted>", (int)(hit - lower + strlen (secret_headers[i])),
                                line);
    }
  for (gsize i = 0; outgoing && i < G_N_ELEMENTS (secret_schemes); i++)
    {
      const char *hit = strstr (lower, secret_schemes[i]);
      if (hit != NULL)
        return g_strdup_printf ("%.*s<redacted>", (int) (hit - lower + strlen (secret_schemes[i])),
                                line);
    }
  return g_strdup (line);
}

static int
trace_cb (CURL *handle, curl_infotype type, char *data, size_t size, void *userptr)
{
  const char *prefix;
  switch (type)
    {
    case CURLINFO_TEXT:
      prefix = "*";
      break;
    case CURLINFO_HEADER_IN:
      prefix = "<";
      break;
    case CURLINFO_HEADER_OUT:
      prefix = ">";
      break;
    default:
      return 0;
    }

  g_autofree char *text = g_strndup (data, size);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strchomp (lines[i]);
      if (*lines[i] == '\0')
        continue;
      g_autofree char *safe = redact_trace_line (lines[i], type != CURLINFO_HEADER_IN);
      g_debug ("%s %s", prefix, safe);
    }
  return 0;
}

/* ---- One transfer ------------------------------------------------------------------ */

typedef struct
{
  const DockerHttpRequest *req;
  DockerResponse *resp;
  GByteArray *body;
  gsize max_body;
  gboolean body_too_large;
  GCancellable *cancellable;
  GError *read_error;   /* from body_stream */
  gint64 sent;
  gboolean headers_done;
  struct curl_slist *header_list;
  char errbuf[CURL_ERROR_SIZE];

  /* Streaming only. */
  CURL *easy;
  CURLM *multi;
  gboolean streaming;
  gboolean paused;
  gboolean finished;
  CURLcode result;
} Transfer;

static void
transfer_free (Transfer *t)
{
  if (t == NULL)
    return;
  if (t->multi != NULL && t->easy != NULL)
    curl_multi_remove_handle (t->multi, t->easy);
  if (t->easy != NULL)
    easy_release (t->easy);
  if (t->multi != NULL)
    multi_release (t->multi);
  curl_slist_free_all (t->header_list);
  g_clear_object (&t->cancellable);
  if (t->body != NULL)
    g_byte_array_unref (t->body);
  docker_response_free (t->resp);
  g_clear_error (&t->read_error);
  g_free (t);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Transfer, transfer_free)

static size_t
header_cb (char *buffer, size_t size, size_t nitems, void *userdata)
{
  Transfer *t = userdata;
  gsize len = size * nitems;
  g_autofree char *line = g_strndup (buffer, len);
  g_strchomp (line);

  if (g_str_has_prefix (line, "HTTP/"))
    {
      /* A new status line (after 100 Continue, for example) starts a new header set. */
      g_ptr_array_set_size (t->resp->header_names, 0);
      g_ptr_array_set_size (t->resp->header_values, 0);
      t->headers_done = FALSE;
      return len;
    }

  if (*line == '\0')
    {
      long status = 0;
      curl_easy_getinfo (t->easy, CURLINFO_RESPONSE_CODE, &status);
      if (status >= 200)
        t->headers_done = TRUE;
      return len;
    }

  char *colon = strchr (line, ':');
  if (colon == NULL)
    return len;
  *colon = '\0';
  g_ptr_array_add (t->resp->header_names, g_ascii_strdown (g_strstrip (line), -1));
  g_ptr_array_add (t->resp->header_values, g_strdup (g_strstrip (colon + 1)));
  return len;
}

static size_t
write_cb (char *ptr, size_t size, size_t nmemb, void *userdata)
{
  Transfer *t = userdata;
  gsize len = size * nmemb;

  if (t->streaming && t->body->len >= STREAM_HIGH_WATER)
    {
      t->paused = TRUE;
      return CURL_WRITEFUNC_PAUSE;
    }

  if (!t->streaming && t->body->len + len > t->max_body)
    {
      t->body_too_large = TRUE;
      return 0;
    }
  g_byte_array_append (t->body, (const guint8 *) ptr, len);
  return len;
}

static size_t
read_cb (char *buffer, size_t size, size_t nitems, void *userdata)
{
  Transfer *t = userdata;
  gsize want = size * nitems;
  const DockerHttpRequest *req = t->req;

  gint64 cap = req->body_size >= 0 ? req->body_size : req->body_limit;
  if (cap >= 0)
    {
      gint64 left = cap - t->sent;
      if (left <= 0)
        return 0;
      if ((gint64) want > left)
        want = left;
    }

  gssize n = g_input_stream_read (req->body_stream, buffer, want, t->cancellable, &t->read_error);
  if (n < 0)
    return CURL_READFUNC_ABORT;
  if (n == 0 && req->body_size >= 0 && t->sent < req->body_size)
    {
      g_set_error (&t->read_error, SKOPOS_ERROR, SKOPOS_ERROR_SIZE_MISMATCH,
                   "the blob ended after %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " bytes",
                   t->sent, req->body_size);
      return CURL_READFUNC_ABORT;
    }
  t->sent += n;

  /* The last byte is about to go: read the stream's end now, before the server can
   * complete the request, because the core checks the digest there. */
  if (req->body_ends_stream && req->body_size >= 0 && t->sent == req->body_size && n > 0)
    {
      guint8 probe;
      gssize extra = g_input_stream_read (req->body_stream, &probe, 1, t->cancellable,
                                          &t->read_error);
      if (extra < 0)
        return CURL_READFUNC_ABORT;
      if (extra > 0)
        {
          g_set_error (&t->read_error, SKOPOS_ERROR, SKOPOS_ERROR_SIZE_MISMATCH,
                       "the blob is larger than %" G_GINT64_FORMAT " bytes", req->body_size);
          return CURL_READFUNC_ABORT;
        }
    }
  return n;
}

static int
progress_cb (void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
             curl_off_t ulnow)
{
  Transfer *t = clientp;
  return g_cancellable_is_cancelled (t->cancellable) ? 1 : 0;
}

/* Collects the first setopt failure, so the setup reads as a list. */
typedef struct
{
  CURL *easy;
  CURLcode first;
} Opts;

#define SETOPT(o, opt, val)                                                                        \
  G_STMT_START                                                                                     \
  {                                                                                                \
    CURLcode _rc = curl_easy_setopt ((o)->easy, opt, val);                                         \
    if (_rc != CURLE_OK && (o)->first == CURLE_OK)                                                 \
      (o)->first = _rc;                                                                            \
  }                                                                                                \
  G_STMT_END

/* A CA bundle of the system CAs plus every *.crt in @dir, as curl takes it in memory,
 * or NULL when @dir has none. */
static GBytes *
ca_bundle_for_dir (const char *dir, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return NULL;

  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".crt"))
      g_ptr_array_add (names, g_strdup (name));
  if (names->len == 0)
    return NULL;
  g_ptr_array_sort (names, compare_strings);

  g_autoptr (GString) bundle = g_string_new (NULL);
  if (system_ca_file != NULL)
    {
      g_autofree char *sys = NULL;
      if (g_file_get_contents (system_ca_file, &sys, NULL, NULL))
        {
          g_string_append (bundle, sys);
          g_string_append_c (bundle, '\n');
        }
    }
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, names->pdata[i], NULL);
      g_autofree char *pem = NULL;
      g_autoptr (GError) local_error = NULL;
      if (!g_file_get_contents (path, &pem, NULL, &local_error))
        {
          skopos_throw (error, SKOPOS_ERROR_FAILED, "Reading CA certificate '%s': %s", path,
                        local_error->message);
          return NULL;
        }
      g_debug ("Trusting CA certificate '%s'", path);
      g_string_append (bundle, pem);
      g_string_append_c (bundle, '\n');
    }
  return g_string_free_to_bytes (g_steal_pointer (&bundle));
}

static Transfer *
transfer_new (const DockerHttpRequest *req, gboolean streaming, GBytes **ca_bundle,
              GCancellable *cancellable, GError **error)
{
  if (!docker_http_global_init (error))
    return NULL;

  g_autoptr (Transfer) t = g_new0 (Transfer, 1);
  t->req = req;
  t->resp = response_new (req->url);
  t->body = g_byte_array_new ();
  t->max_body = req->max_body != 0 ? req->max_body : DEFAULT_MAX_BODY;
  /* A streamed body outlives the call that started it: keep the cancellable alive. */
  t->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  t->streaming = streaming;
  t->easy = easy_acquire ();
  if (t->easy == NULL)
    {
      skopos_throw (error, SKOPOS_ERROR_FAILED, "libcurl could not make a handle");
      return NULL;
    }

  Opts o = { t->easy, CURLE_OK };
  SETOPT (&o, CURLOPT_URL, req->url);
  SETOPT (&o, CURLOPT_SHARE, share);
  SETOPT (&o, CURLOPT_NOSIGNAL, 1L);
  SETOPT (&o, CURLOPT_ERRORBUFFER, t->errbuf);
  SETOPT (&o, CURLOPT_USERAGENT, req->user_agent);
  SETOPT (&o, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
  SETOPT (&o, CURLOPT_LOW_SPEED_LIMIT, 1L);
  SETOPT (&o, CURLOPT_LOW_SPEED_TIME, STALL_TIMEOUT_S);
  SETOPT (&o, CURLOPT_FOLLOWLOCATION, 0L);
  SETOPT (&o, CURLOPT_PROTOCOLS_STR, "http,https");
  SETOPT (&o, CURLOPT_ACCEPT_ENCODING, NULL);
  SETOPT (&o, CURLOPT_HEADERFUNCTION, header_cb);
  SETOPT (&o, CURLOPT_HEADERDATA, t);
  SETOPT (&o, CURLOPT_WRITEFUNCTION, write_cb);
  SETOPT (&o, CURLOPT_WRITEDATA, t);
  SETOPT (&o, CURLOPT_NOPROGRESS, 0L);
  SETOPT (&o, CURLOPT_XFERINFOFUNCTION, progress_cb);
  SETOPT (&o, CURLOPT_XFERINFODATA, t);

  if (trace_enabled ())
    {
      SETOPT (&o, CURLOPT_VERBOSE, 1L);
      SETOPT (&o, CURLOPT_DEBUGFUNCTION, trace_cb);
    }

  /* TLS */
  const DockerTls *tls = req->tls;
  gboolean verify = tls == NULL || tls->verify;
  SETOPT (&o, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
  SETOPT (&o, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
  if (tls != NULL && tls->ca_dir != NULL && verify)
    {
      GError *local_error = NULL;
      if (*ca_bundle == NULL)
        *ca_bundle = ca_bundle_for_dir (tls->ca_dir, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return NULL;
        }
      if (*ca_bundle != NULL)
        {
          struct curl_blob blob = {
            .data = (void *) g_bytes_get_data (*ca_bundle, NULL),
            .len = g_bytes_get_size (*ca_bundle),
            .flags = CURL_BLOB_COPY,
          };
          SETOPT (&o, CURLOPT_CAINFO_BLOB, &blob);
        }
    }
  if (tls != NULL && tls->client_cert != NULL)
    {
      SETOPT (&o, CURLOPT_SSLCERT, tls->client_cert);
      SETOPT (&o, CURLOPT_SSLCERTTYPE, "PEM");
      if (tls->client_key != NULL)
        SETOPT (&o, CURLOPT_SSLKEY, tls->client_key);
    }

  /* Method and body */
  const char *method = req->method;
  if (g_str_equal (method, "HEAD"))
    SETOPT (&o, CURLOPT_NOBODY, 1L);
  else if (req->body_stream != NULL)
    {
      SETOPT (&o, CURLOPT_UPLOAD, 1L);
      SETOPT (&o, CURLOPT_READFUNCTION, read_cb);
      SETOPT (&o, CURLOPT_READDATA, t);
      if (req->body_size >= 0)
        SETOPT (&o, CURLOPT_INFILESIZE_LARGE, (curl_off_t) req->body_size);
      if (!g_str_equal (method, "PUT"))
        SETOPT (&o, CURLOPT_CUSTOMREQUEST, method);
    }
  else if (req->body != NULL || g_str_equal (method, "POST") || g_str_equal (method, "PUT")
           || g_str_equal (method, "PATCH"))
    {
      gsize len = 0;
      const void *data = req->body != NULL ? g_bytes_get_data (req->body, &len) : "";
      SETOPT (&o, CURLOPT_POST, 1L);
      SETOPT (&o, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
      SETOPT (&o, CURLOPT_POSTFIELDS, data);
      if (!g_str_equal (method, "POST"))
        SETOPT (&o, CURLOPT_CUSTOMREQUEST, method);
    }
  else if (!g_str_equal (method, "GET"))
    SETOPT (&o, CURLOPT_CUSTOMREQUEST, method);

  /* Headers: no "Expect: 100-continue" round trip, and no default form type. */
  t->header_list = curl_slist_append (t->header_list, "Expect:");
  gboolean has_content_type = FALSE;
  if (req->headers != NULL)
    for (guint i = 0; i < req->headers->len; i++)
      {
        const char *h = req->headers->pdata[i];
        if (g_ascii_strncasecmp (h, "Content-Type:", 13) == 0)
          has_content_type = TRUE;
        t->header_list = curl_slist_append (t->header_list, h);
      }
  if (!has_content_type && (req->body != NULL || req->body_stream != NULL))
    t->header_list = curl_slist_append (t->header_list, "Content-Type: application/octet-stream");
  SETOPT (&o, CURLOPT_HTTPHEADER, t->header_list);

  if (o.first != CURLE_OK)
    {
      g_autofree char *safe_url = docker_url_redact (req->url);
      skopos_throw (error, SKOPOS_ERROR_FAILED, "Setting up a request to %s: %s", safe_url,
                    curl_easy_strerror (o.first));
      return NULL;
    }
  return g_steal_pointer (&t);
}

/* After the transfer: status, URL and body into the response. */
static DockerResponse *
transfer_finish_response (Transfer *t)
{
  DockerResponse *resp = g_steal_pointer (&t->resp);
  curl_easy_getinfo (t->easy, CURLINFO_RESPONSE_CODE, &resp->status);
  resp->body = g_byte_array_free_to_bytes (g_steal_pointer (&t->body));
  return resp;
}

gboolean
docker_http_perform (const DockerHttpRequest *req, DockerResponse **out_resp,
                     GCancellable *cancellable, GError **error)
{
  g_autoptr (GBytes) ca_bundle = NULL;
  g_autoptr (Transfer) t = transfer_new (req, FALSE, &ca_bundle, cancellable, error);
  if (t == NULL)
    return FALSE;

  CURLcode rc = curl_easy_perform (t->easy);
  if (req->body_sent != NULL)
    *req->body_sent = t->sent;

  if (t->read_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&t->read_error));
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  g_autofree char *safe_url = docker_url_redact (req->url);
  if (t->body_too_large)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "%s %s: the answer is larger than %" G_GSIZE_FORMAT " bytes",
                         req->method, safe_url, t->max_body);
  if (rc != CURLE_OK)
    return throw_curl (error, rc, t->errbuf, req->method, req->url);

  DockerResponse *resp = transfer_finish_response (t);
  g_debug ("%s %s: %ld", req->method, safe_url, resp->status);
  *out_resp = resp;
  return TRUE;
}

/* ---- Streams ------------------------------------------------------------------------- */

/* Runs the transfer until @t has body bytes, or headers (when @until_headers), or
 * it ends. */
static gboolean
transfer_pump (Transfer *t, gboolean until_headers, GCancellable *cancellable, GError **error)
{
  for (;;)
    {
      if (t->finished)
        return TRUE;
      if (until_headers ? t->headers_done : t->body->len > 0)
        return TRUE;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      int running = 0;
      CURLMcode mc = curl_multi_perform (t->multi, &running);
      if (mc != CURLM_OK)
        return skopos_throw (error, SKOPOS_ERROR_FAILED, "libcurl: %s", curl_multi_strerror (mc));

      int queued = 0;
      CURLMsg *msg;
      while ((msg = curl_multi_info_read (t->multi, &queued)) != NULL)
        if (msg->msg == CURLMSG_DONE)
          {
            t->finished = TRUE;
            t->result = msg->data.result;
          }
      if (t->finished || (until_headers ? t->headers_done : t->body->len > 0))
        continue;

      /* Paused with a full buffer: the reader must drain first. */
      if (t->paused)
        return TRUE;

      mc = curl_multi_poll (t->multi, NULL, 0, 200, NULL);
      if (mc != CURLM_OK)
        return skopos_throw (error, SKOPOS_ERROR_FAILED, "libcurl: %s", curl_multi_strerror (mc));
    }
}

struct _SkoposDockerBodyStream
{
  GInputStream parent;
  Transfer *transfer;
  DockerHttpRequest req;  /* shallow copy; strings below are owned */
  char *method;
  char *url;
  char *user_agent;
  GPtrArray *headers;
  DockerTls tls;
  GBytes *ca_bundle;
  gsize offset;           /* into transfer->body, bytes already handed out */
};

#define SKOPOS_TYPE_DOCKER_BODY_STREAM (skopos_docker_body_stream_get_type ())
G_DECLARE_FINAL_TYPE (SkoposDockerBodyStream, skopos_docker_body_stream, SKOPOS,
                      DOCKER_BODY_STREAM, GInputStream)
G_DEFINE_FINAL_TYPE (SkoposDockerBodyStream, skopos_docker_body_stream, G_TYPE_INPUT_STREAM)

static gssize
body_stream_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable,
                  GError **error)
{
  SkoposDockerBodyStream *self = SKOPOS_DOCKER_BODY_STREAM (stream);
  Transfer *t = self->transfer;

  if (self->offset >= t->body->len)
    {
      g_byte_array_set_size (t->body, 0);
      self->offset = 0;
      if (t->paused)
        {
          t->paused = FALSE;
          curl_easy_pause (t->easy, CURLPAUSE_CONT);
        }
      if (!transfer_pump (t, FALSE, cancellable, error))
        return -1;
    }

  if (self->offset >= t->body->len)
    {
      /* Nothing buffered: the transfer ended. */
      if (t->result != CURLE_OK)
        {
          throw_curl (error, t->result, t->errbuf, "GET", self->url);
          return -1;
        }
      return 0;
    }

  gsize n = MIN (count, t->body->len - self->offset);
  memcpy (buffer, t->body->data + self->offset, n);
  self->offset += n;
  return n;
}

static gboolean
body_stream_close (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  SkoposDockerBodyStream *self = SKOPOS_DOCKER_BODY_STREAM (stream);
  g_clear_pointer (&self->transfer, transfer_free);
  return TRUE;
}

static void
body_stream_finalize (GObject *object)
{
  SkoposDockerBodyStream *self = SKOPOS_DOCKER_BODY_STREAM (object);
  g_clear_pointer (&self->transfer, transfer_free);
  g_free (self->method);
  g_free (self->url);
  g_free (self->user_agent);
  g_clear_pointer (&self->headers, g_ptr_array_unref);
  docker_tls_clear (&self->tls);
  g_clear_pointer (&self->ca_bundle, g_bytes_unref);
  G_OBJECT_CLASS (skopos_docker_body_stream_parent_class)->finalize (object);
}

static void
skopos_docker_body_stream_class_init (SkoposDockerBodyStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = body_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = body_stream_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = body_stream_close;
}

static void
skopos_docker_body_stream_init (SkoposDockerBodyStream *self)
{
}

gboolean
docker_http_open_stream (const DockerHttpRequest *req, DockerResponse **out_resp,
                         GInputStream **out_stream, GCancellable *cancellable, GError **error)
{
  g_autoptr (SkoposDockerBodyStream) self = g_object_new (SKOPOS_TYPE_DOCKER_BODY_STREAM, NULL);

  /* The stream owns copies of everything the transfer points to. */
  self->method = g_strdup (req->method);
  self->url = g_strdup (req->url);
  self->user_agent = g_strdup (req->user_agent);
  self->headers = g_ptr_array_new_with_free_func (g_free);
  if (req->headers != NULL)
    for (guint i = 0; i < req->headers->len; i++)
      g_ptr_array_add (self->headers, g_strdup (req->headers->pdata[i]));
  if (req->tls != NULL)
    {
      self->tls.verify = req->tls->verify;
      self->tls.ca_dir = g_strdup (req->tls->ca_dir);
      self->tls.client_cert = g_strdup (req->tls->client_cert);
      self->tls.client_key = g_strdup (req->tls->client_key);
    }
  self->req = (DockerHttpRequest){
    .method = self->method,
    .url = self->url,
    .headers = self->headers,
    .tls = &self->tls,
    .user_agent = self->user_agent,
    .max_body = req->max_body,
  };

  self->transfer = transfer_new (&self->req, TRUE, &self->ca_bundle, cancellable, error);
  if (self->transfer == NULL)
    return FALSE;
  Transfer *t = self->transfer;

  t->multi = multi_acquire ();
  if (t->multi == NULL || curl_multi_add_handle (t->multi, t->easy) != CURLM_OK)
    return skopos_throw (error, SKOPOS_ERROR_FAILED, "libcurl could not start a transfer");

  if (!transfer_pump (t, TRUE, cancellable, error))
    return FALSE;

  if (!t->headers_done)
    {
      CURLcode rc = t->result != CURLE_OK ? t->result : CURLE_GOT_NOTHING;
      return throw_curl (error, rc, t->errbuf, req->method, req->url);
    }

  long status = 0;
  curl_easy_getinfo (t->easy, CURLINFO_RESPONSE_CODE, &status);
  g_autofree char *safe_url = docker_url_redact (req->url);
  g_debug ("%s %s: %ld (streamed)", req->method, safe_url, status);

  DockerResponse *resp = response_new (req->url);
  resp->status = status;
  for (guint i = 0; i < t->resp->header_names->len; i++)
    {
      g_ptr_array_add (resp->header_names, g_strdup (t->resp->header_names->pdata[i]));
      g_ptr_array_add (resp->header_values, g_strdup (t->resp->header_values->pdata[i]));
    }

  if (status >= 200 && status < 300)
    {
      resp->body = g_bytes_new (NULL, 0);
      *out_resp = resp;
      *out_stream = G_INPUT_STREAM (g_steal_pointer (&self));
      return TRUE;
    }

  /* An error or a redirect: its body is small, read it whole. */
  g_autoptr (DockerResponse) owned = resp;
  g_autoptr (GByteArray) body = g_byte_array_new ();
  for (;;)
    {
      if (t->body->len > 0)
        {
          if (body->len < DEFAULT_MAX_BODY)
            g_byte_array_append (body, t->body->data, t->body->len);
          g_byte_array_set_size (t->body, 0);
          if (t->paused)
            {
              t->paused = FALSE;
              curl_easy_pause (t->easy, CURLPAUSE_CONT);
            }
        }
      if (t->finished)
        break;
      if (!transfer_pump (t, FALSE, cancellable, error))
        return FALSE;
    }
  owned->body = g_byte_array_free_to_bytes (g_steal_pointer (&body));
  *out_resp = g_steal_pointer (&owned);
  *out_stream = NULL;
  return TRUE;
}
