/* daemon-client.c: talking to a Docker Engine API (dockerd, or podman's compatible
 * service) over libcurl.
 *
 * Three calls are made: `GET /_ping` to learn the daemon's API version (the client
 * then speaks the older of that and DAEMON_CLIENT_MAX_API_VERSION), `GET
 * /images/{name}/get` to export an image, streamed into a temporary file, and `POST
 * /images/load` to load one. The load's body is produced by the tar writer while
 * curl sends it: curl runs in a thread of its own and reads the archive from one end
 * of a socket pair, the writer writes into the other. Closing the writer's end
 * cleanly ends the chunked body; aborting makes curl drop the connection before the
 * last chunk, so the daemon sees a broken upload and loads nothing.
 *
 * The socket pair (rather than a pipe) matters: GLib sends on sockets with
 * MSG_NOSIGNAL, so a writer whose reader went away gets EPIPE, never SIGPIPE.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon-client.h"

#define LOAD_BUFFER_SIZE (256 * 1024)
#define MAX_ERROR_BODY (64 * 1024)
#define MAX_LOAD_RESPONSE (1024 * 1024)
#define CONNECT_TIMEOUT_S 30L

struct _DaemonClient
{
  char *host;        /* as configured, for messages */
  char *socket_path; /* unix:// endpoints */
  char *base_url;    /* "http://localhost", "https://host:port" */
  gboolean tls;
  gboolean tls_verify;
  char *ca_file;
  char *cert_file;
  char *key_file;
  char *api_version;
};

/* What a request collects: small bodies (errors, the load verdict) in memory, an
 * export's body in a file. */
typedef struct
{
  CURL *curl;
  GByteArray *body;
  gsize limit;
  int fd; /* export: where a 200 body goes; -1 otherwise */
  const char *fd_path;
  gint64 received;
  GError *write_error;
  char *api_version;
  GCancellable *cancellable;
  gint *aborted; /* nullable */
} Response;

struct _DaemonLoad
{
  DaemonClient *client;
  CURL *curl;
  struct curl_slist *headers;
  int read_fd; /* curl's end of the socket pair; closed by the thread */
  GSocket *socket;
  GIOStream *connection;
  GOutputStream *output;
  GThread *thread;
  gint aborted;
  gboolean joined;
  CURLcode result;
  long status;
  Response response;
  char errbuf[CURL_ERROR_SIZE];
};

static void
response_clear (Response *response)
{
  g_clear_pointer (&response->body, g_byte_array_unref);
  g_clear_error (&response->write_error);
  g_clear_pointer (&response->api_version, g_free);
}

void
daemon_client_free (DaemonClient *client)
{
  if (client == NULL)
    return;
  g_free (client->host);
  g_free (client->socket_path);
  g_free (client->base_url);
  g_free (client->ca_file);
  g_free (client->cert_file);
  g_free (client->key_file);
  g_free (client->api_version);
  g_free (client);
}

const char *
daemon_client_get_host (DaemonClient *client)
{
  return client->host;
}

/* ---- curl plumbing -------------------------------------------------------------- */

static size_t
response_write_cb (char *data, size_t size, size_t nmemb, void *user_data)
{
  Response *response = user_data;
  size_t len = size * nmemb;
  long status = 0;

  curl_easy_getinfo (response->curl, CURLINFO_RESPONSE_CODE, &status);
  if (response->fd >= 0 && status == 200)
    {
      const char *p = data;
      size_t left = len;
      while (left > 0)
        {
          ssize_t n = write (response->fd, p, left);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            {
              int saved = errno;
              g_set_error (&response->write_error, G_IO_ERROR, g_io_error_from_errno (saved),
                           "Writing '%s': %s", response->fd_path, g_strerror (saved));
              return 0;
            }
          p += n;
          left -= n;
        }
      response->received += len;
      return len;
    }

  /* Error bodies are for messages; what does not fit is dropped. */
  if (response->body->len < response->limit)
    g_byte_array_append (response->body, (const guint8 *) data,
                         MIN (len, response->limit - response->body->len));
  return len;
}

static size_t
response_header_cb (char *data, size_t size, size_t nitems, void *user_data)
{
  Response *response = user_data;
  size_t len = size * nitems;
  static const char name[] = "Api-Version:";

  if (len > strlen (name) && g_ascii_strncasecmp (data, name, strlen (name)) == 0)
    {
      g_free (response->api_version);
      response->api_version = g_strstrip (g_strndup (data + strlen (name), len - strlen (name)));
    }
  return len;
}

static int
response_progress_cb (void *user_data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                      curl_off_t ulnow)
{
  Response *response = user_data;
  GCancellable *cancellable = g_atomic_pointer_get (&response->cancellable);
  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    return 1;
  if (response->aborted != NULL && g_atomic_int_get (response->aborted))
    return 1;
  return 0;
}

/* A handle for @path (below /vVERSION when @versioned), with the endpoint, TLS and
 * collection set up; options are set through one check. */
static CURL *
new_request (DaemonClient *client, const char *path, gboolean versioned, Response *response,
             char *errbuf, GError **error)
{
  g_autofree char *url = versioned ? g_strdup_printf ("%s/v%s%s", client->base_url,
                                                      client->api_version, path)
                                   : g_strconcat (client->base_url, path, NULL);
  CURL *curl = curl_easy_init ();
  if (curl == NULL)
    {
      skopos_throw (error, SKOPOS_ERROR_FAILED, "cannot create a libcurl handle");
      return NULL;
    }

  response->curl = curl;
  if (response->body == NULL)
    response->body = g_byte_array_new ();

  CURLcode rc = CURLE_OK;
#define SET(option, value)                                                                \
  G_STMT_START                                                                            \
  {                                                                                       \
    if (rc == CURLE_OK)                                                                   \
      rc = curl_easy_setopt (curl, option, value);                                        \
  }                                                                                       \
  G_STMT_END
  errbuf[0] = '\0';
  SET (CURLOPT_URL, url);
  SET (CURLOPT_ERRORBUFFER, errbuf);
  SET (CURLOPT_NOSIGNAL, 1L);
  SET (CURLOPT_PROTOCOLS_STR, "http,https");
  SET (CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
  SET (CURLOPT_USERAGENT, "skopos/" SKOPOS_VERSION_S);
  SET (CURLOPT_WRITEFUNCTION, response_write_cb);
  SET (CURLOPT_WRITEDATA, response);
  SET (CURLOPT_HEADERFUNCTION, response_header_cb);
  SET (CURLOPT_HEADERDATA, response);
  SET (CURLOPT_XFERINFOFUNCTION, response_progress_cb);
  SET (CURLOPT_XFERINFODATA, response);
  SET (CURLOPT_NOPROGRESS, 0L);
  if (client->socket_path != NULL)
    SET (CURLOPT_UNIX_SOCKET_PATH, client->socket_path);
  if (client->tls)
    {
      if (client->ca_file != NULL)
        SET (CURLOPT_CAINFO, client->ca_file);
      if (client->cert_file != NULL)
        {
          SET (CURLOPT_SSLCERT, client->cert_file);
          SET (CURLOPT_SSLKEY, client->key_file);
        }
      SET (CURLOPT_SSL_VERIFYPEER, client->tls_verify ? 1L : 0L);
      SET (CURLOPT_SSL_VERIFYHOST, client->tls_verify ? 2L : 0L);
    }
#undef SET

  if (rc != CURLE_OK)
    {
      curl_easy_cleanup (curl);
      skopos_throw (error, SKOPOS_ERROR_FAILED, "Setting up a request to the Docker daemon: %s",
                    curl_easy_strerror (rc));
      return NULL;
    }
  g_debug ("docker daemon request: %s %s", url,
           client->socket_path ? client->socket_path : "");
  return curl;
}

/* The one place a transfer failure becomes an error. */
static gboolean
request_failed (DaemonClient *client, CURLcode code, const char *errbuf, const char *what,
                GCancellable *cancellable, GError **error)
{
  if (code == CURLE_ABORTED_BY_CALLBACK
      && g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  const char *detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror (code);
  switch (code)
    {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      /* curl speaks of "localhost port 80" for a unix socket; say what was tried. */
      if (client->socket_path != NULL)
        detail = g_file_test (client->socket_path, G_FILE_TEST_EXISTS)
                     ? "nothing accepts connections on that socket"
                     : "no such socket";
      return skopos_throw (error, SKOPOS_ERROR_CONNECTION,
                           "%s: cannot connect to the Docker daemon at %s; is the daemon "
                           "running? (%s)", what, client->host, detail);
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
      return skopos_throw (error, SKOPOS_ERROR_CONNECTION,
                           "%s: the Docker daemon at %s broke off the connection (%s)", what,
                           client->host, detail);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return skopos_throw (error, SKOPOS_ERROR_CONNECTION,
                           "%s: TLS with the Docker daemon at %s failed (%s)", what,
                           client->host, detail);
    default:
      return skopos_throw (error, SKOPOS_ERROR_CONNECTION,
                           "%s: talking to the Docker daemon at %s failed: %s", what,
                           client->host, detail);
    }
}

/* The daemon's own words from an error body: {"message": "..."}, else the text. */
static char *
error_message (GByteArray *body)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (body->len > 0
      && json_parser_load_from_data (parser, (const char *) body->data, body->len, NULL))
    {
      JsonNode *root = json_parser_get_root (parser);
      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        {
          JsonObject *object = json_node_get_object (root);
          JsonNode *message = json_object_get_member (object, "message");
          if (message != NULL && JSON_NODE_HOLDS_VALUE (message)
              && json_node_get_value_type (message) == G_TYPE_STRING)
            return g_strdup (json_node_get_string (message));
        }
    }
  g_autofree char *text = g_strndup ((const char *) body->data, MIN (body->len, 1024));
  return g_strdup (g_strstrip (text));
}

static gboolean
status_failed (DaemonClient *client, long status, GByteArray *body, const char *what,
               GError **error)
{
  g_autofree char *message = error_message (body);

  /* Docker 20.10 answers an export of an image ID it does not have with 500 and a
   * "no such file or directory" from its layer store, not 404. */
  gboolean missing = status == 404
                     || (status == 500 && strstr (message, "no such file or directory") != NULL
                         && strstr (message, "failed to get digest") != NULL);
  return skopos_throw (error, missing ? SKOPOS_ERROR_NOT_FOUND : SKOPOS_ERROR_DENIED,
                       "%s: the Docker daemon at %s answered %ld: %s", what, client->host, status,
                       *message ? message : "(no message)");
}

/* ---- endpoint and version ------------------------------------------------------- */

static gboolean
parse_host (DaemonClient *client, GError **error)
{
  const char *host = client->host;
  if (g_str_has_prefix (host, "unix://"))
    {
      const char *path = host + strlen ("unix://");
      if (*path != '/')
        return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                             "invalid daemon host '%s': expected unix:///ABSOLUTE/PATH", host);
      client->socket_path = g_strdup (path);
      client->base_url = g_strdup ("http://localhost");
      return TRUE;
    }

  /* As the Docker client library that skopeo uses does: tcp:// is spoken with TLS,
   * http:// without. */
  const char *rest = NULL;
  if (g_str_has_prefix (host, "tcp://"))
    rest = host + strlen ("tcp://"), client->tls = TRUE;
  else if (g_str_has_prefix (host, "https://"))
    rest = host + strlen ("https://"), client->tls = TRUE;
  else if (g_str_has_prefix (host, "http://"))
    rest = host + strlen ("http://");
  else
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "daemon host '%s' is not supported: use unix:///PATH, tcp://HOST:PORT "
                         "(TLS), https://HOST:PORT or http://HOST:PORT", host);

  g_autofree char *authority = g_strndup (rest, strcspn (rest, "/"));
  if (*authority == '\0')
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "invalid daemon host '%s': no host name", host);
  client->base_url = g_strdup_printf ("%s://%s", client->tls ? "https" : "http", authority);
  return TRUE;
}

static gboolean
setup_tls (DaemonClient *client, SkoposContext *ctx, GError **error)
{
  client->tls_verify = skopos_context_get_boolean (ctx, SKOPOS_CONTEXT_TLS_VERIFY, TRUE);
  const char *dir = skopos_context_get_string (ctx, SKOPOS_CONTEXT_CERT_DIR);
  if (!client->tls || dir == NULL || *dir == '\0')
    return TRUE;

  g_autofree char *ca = g_build_filename (dir, "ca.pem", NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  gboolean has_cert = g_file_test (cert, G_FILE_TEST_EXISTS);
  gboolean has_key = g_file_test (key, G_FILE_TEST_EXISTS);
  if (has_cert != has_key)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "'%s' has %s but not %s; a client certificate needs both", dir,
                         has_cert ? "cert.pem" : "key.pem", has_cert ? "key.pem" : "cert.pem");
  if (g_file_test (ca, G_FILE_TEST_EXISTS))
    client->ca_file = g_steal_pointer (&ca);
  if (has_cert)
    {
      client->cert_file = g_steal_pointer (&cert);
      client->key_file = g_steal_pointer (&key);
    }
  return TRUE;
}

static gboolean
parse_version (const char *text, guint *out_major, guint *out_minor)
{
  g_auto (GStrv) parts = g_strsplit (text, ".", 3);
  guint64 major = 0;
  guint64 minor = 0;
  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT, &major, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT, &minor, NULL))
    return FALSE;
  *out_major = major;
  *out_minor = minor;
  return TRUE;
}

/* The older of the daemon's version and ours, as the Docker client negotiates; a
 * daemon that does not say is assumed to speak 1.24, as that client assumes too. */
static char *
negotiate_version (const char *server)
{
  guint ours_major = 0, ours_minor = 0, major = 0, minor = 0;
  parse_version (DAEMON_CLIENT_MAX_API_VERSION, &ours_major, &ours_minor);
  if (server == NULL || *server == '\0')
    return g_strdup ("1.24");
  if (!parse_version (server, &major, &minor))
    return g_strdup (DAEMON_CLIENT_MAX_API_VERSION);
  if (major < ours_major || (major == ours_major && minor < ours_minor))
    return g_strdup (server);
  return g_strdup (DAEMON_CLIENT_MAX_API_VERSION);
}

static gboolean
ping (DaemonClient *client, GCancellable *cancellable, GError **error)
{
  Response response = { .fd = -1, .limit = MAX_ERROR_BODY, .cancellable = cancellable };
  char errbuf[CURL_ERROR_SIZE];
  CURL *curl = new_request (client, "/_ping", FALSE, &response, errbuf, error);
  if (curl == NULL)
    {
      response_clear (&response);
      return FALSE;
    }

  CURLcode rc = curl_easy_perform (curl);
  long status = 0;
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (curl);

  gboolean ok = TRUE;
  if (rc != CURLE_OK)
    ok = request_failed (client, rc, errbuf, "Contacting the Docker daemon", cancellable, error);
  else if (status != 200 && response.api_version == NULL)
    ok = skopos_throw (error, SKOPOS_ERROR_CONNECTION,
                       "%s does not answer like a Docker daemon (GET /_ping: HTTP %ld)",
                       client->host, status);
  else
    {
      client->api_version = negotiate_version (response.api_version);
      g_debug ("docker daemon at %s: API %s, using %s", client->host,
               response.api_version ? response.api_version : "(not said)", client->api_version);
    }
  response_clear (&response);
  return ok;
}

DaemonClient *
daemon_client_new (SkoposContext *ctx, GCancellable *cancellable, GError **error)
{
  g_autoptr (DaemonClient) client = g_new0 (DaemonClient, 1);

  const char *host = skopos_context_get_string (ctx, SKOPOS_CONTEXT_DAEMON_HOST);
  if (host == NULL || *host == '\0')
    host = g_getenv ("DOCKER_HOST");
  if (host == NULL || *host == '\0')
    host = DAEMON_CLIENT_DEFAULT_HOST;
  client->host = g_strdup (host);

  if (!parse_host (client, error) || !setup_tls (client, ctx, error)
      || !ping (client, cancellable, error))
    return NULL;
  return g_steal_pointer (&client);
}

/* ---- export --------------------------------------------------------------------- */

static char *
image_path (const char *name, const char *suffix)
{
  g_autofree char *escaped = g_uri_escape_string (name, "/:@", FALSE);
  return g_strdup_printf ("/images/%s%s", escaped, suffix);
}

char *
daemon_client_export (DaemonClient *client, const char *name, const char *tmpdir,
                      GCancellable *cancellable, GError **error)
{
  g_autofree char *template = g_build_filename (tmpdir, "skopos-docker-daemon-XXXXXX", NULL);
  int fd = g_mkstemp_full (template, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Creating a temporary file in '%s': %s", tmpdir, g_strerror (saved));
      return NULL;
    }

  Response response = {
    .fd = fd, .fd_path = template, .limit = MAX_ERROR_BODY, .cancellable = cancellable,
  };
  char errbuf[CURL_ERROR_SIZE];
  g_autofree char *path = image_path (name, "/get");
  g_autofree char *what = g_strdup_printf ("Exporting image '%s'", name);
  CURL *curl = new_request (client, path, TRUE, &response, errbuf, error);
  gboolean ok = curl != NULL;
  if (ok)
    {
      CURLcode rc = curl_easy_perform (curl);
      long status = 0;
      curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
      curl_easy_cleanup (curl);

      if (response.write_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&response.write_error));
          ok = FALSE;
        }
      else if (rc != CURLE_OK && response.received > 0
               && (rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR))
        ok = skopos_throw (error, SKOPOS_ERROR_CONNECTION,
                           "%s: the Docker daemon at %s stopped sending it after %" G_GINT64_FORMAT
                           " bytes (%s)", what, client->host, response.received,
                           errbuf[0] ? errbuf : curl_easy_strerror (rc));
      else if (rc != CURLE_OK)
        ok = request_failed (client, rc, errbuf, what, cancellable, error);
      else if (status != 200)
        ok = status_failed (client, status, response.body, what, error);
      else
        g_debug ("exported '%s': %" G_GINT64_FORMAT " bytes", name, response.received);
    }

  if (close (fd) != 0 && ok)
    {
      int saved = errno;
      ok = FALSE;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Writing '%s': %s",
                   template, g_strerror (saved));
    }
  response_clear (&response);
  if (!ok)
    {
      g_unlink (template);
      return NULL;
    }
  return g_steal_pointer (&template);
}

/* ---- load ----------------------------------------------------------------------- */

static size_t
load_read_cb (char *buffer, size_t size, size_t nitems, void *user_data)
{
  DaemonLoad *load = user_data;
  for (;;)
    {
      ssize_t n = read (load->read_fd, buffer, size * nitems);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return CURL_READFUNC_ABORT;
      /* The writer's end closed: the archive is complete, unless it was aborted. */
      if (n == 0 && g_atomic_int_get (&load->aborted))
        return CURL_READFUNC_ABORT;
      return n;
    }
}

static gpointer
load_thread (gpointer data)
{
  DaemonLoad *load = data;
  load->result = curl_easy_perform (load->curl);
  curl_easy_getinfo (load->curl, CURLINFO_RESPONSE_CODE, &load->status);

  /* A writer still sending now gets EPIPE instead of waiting forever. */
  close (load->read_fd);
  load->read_fd = -1;
  g_debug ("docker daemon load finished: curl %d, HTTP %ld", load->result, load->status);
  return NULL;
}

DaemonLoad *
daemon_load_start (DaemonClient *client, GError **error)
{
  g_autoptr (DaemonLoad) load = g_new0 (DaemonLoad, 1);
  load->client = client;
  load->read_fd = -1;
  load->response.fd = -1;
  load->response.limit = MAX_LOAD_RESPONSE;
  load->response.aborted = &load->aborted;

  int fds[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Creating a socket pair: %s", g_strerror (saved));
      return NULL;
    }
  load->read_fd = fds[0];
  load->socket = g_socket_new_from_fd (fds[1], error);
  if (load->socket == NULL)
    {
      close (fds[1]);
      return NULL;
    }
  load->connection = G_IO_STREAM (g_socket_connection_factory_create_connection (load->socket));
  load->output = g_buffered_output_stream_new_sized (
      g_io_stream_get_output_stream (load->connection), LOAD_BUFFER_SIZE);

  load->curl = new_request (client, "/images/load?quiet=1", TRUE, &load->response, load->errbuf,
                            error);
  if (load->curl == NULL)
    return NULL;
  load->headers = curl_slist_append (NULL, "Content-Type: application/x-tar");
  load->headers = curl_slist_append (load->headers, "Transfer-Encoding: chunked");
  load->headers = curl_slist_append (load->headers, "Expect:");
  CURLcode rc = curl_easy_setopt (load->curl, CURLOPT_POST, 1L);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt (load->curl, CURLOPT_HTTPHEADER, load->headers);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt (load->curl, CURLOPT_READFUNCTION, load_read_cb);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt (load->curl, CURLOPT_READDATA, load);
  if (rc != CURLE_OK)
    {
      skopos_throw (error, SKOPOS_ERROR_FAILED, "Setting up the load request: %s",
                    curl_easy_strerror (rc));
      return NULL;
    }

  load->thread = g_thread_try_new ("skopos-docker-load", load_thread, load, error);
  if (load->thread == NULL)
    return NULL;
  return g_steal_pointer (&load);
}

GOutputStream *
daemon_load_get_stream (DaemonLoad *load)
{
  return load->output;
}

static void
join (DaemonLoad *load)
{
  if (load->joined || load->thread == NULL)
    return;
  g_socket_shutdown (load->socket, FALSE, TRUE, NULL);
  g_thread_join (load->thread);
  load->thread = NULL;
  load->joined = TRUE;
}

/* What the daemon said about the load: a transfer failure, an HTTP error, or an
 * error in the progress messages of a 200 answer. */
static gboolean
verdict (DaemonLoad *load, GCancellable *cancellable, GError **error)
{
  const char *what = "Loading the image into the Docker daemon";
  if (load->result != CURLE_OK)
    return request_failed (load->client, load->result, load->errbuf, what, cancellable, error);
  if (load->status != 200)
    return status_failed (load->client, load->status, load->response.body, what, error);

  g_autofree char *text = g_strndup ((const char *) load->response.body->data,
                                     load->response.body->len);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **line = lines; *line != NULL; line++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      if (**line == '\0' || !json_parser_load_from_data (parser, *line, -1, NULL))
        continue;
      JsonNode *root = json_parser_get_root (parser);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        continue;
      JsonObject *object = json_node_get_object (root);
      const char *message = NULL;
      JsonNode *detail = json_object_get_member (object, "errorDetail");
      if (detail != NULL && JSON_NODE_HOLDS_OBJECT (detail))
        message = json_object_get_string_member_with_default (json_node_get_object (detail),
                                                              "message", NULL);
      if (message == NULL)
        message = json_object_get_string_member_with_default (object, "error", NULL);
      if (message != NULL)
        return skopos_throw (error, SKOPOS_ERROR_DENIED,
                             "the Docker daemon at %s refused the image: %s",
                             load->client->host, message);
      g_autofree char *stream = g_strdup (
          json_object_get_string_member_with_default (object, "stream", NULL));
      if (stream != NULL)
        g_debug ("docker daemon: %s", g_strstrip (stream));
    }
  return TRUE;
}

void
daemon_load_explain_failure (DaemonLoad *load, GError **error)
{
  if (error == NULL || *error == NULL
      || !(g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)
           || g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)))
    return;

  /* The daemon stopped reading: it has ended the request, so this returns at once. */
  join (load);
  g_autoptr (GError) daemon_error = NULL;
  if (verdict (load, NULL, &daemon_error))
    return;
  g_clear_error (error);
  g_propagate_error (error, g_steal_pointer (&daemon_error));
}

gboolean
daemon_load_finish (DaemonLoad *load, GCancellable *cancellable, GError **error)
{
  if (!g_output_stream_flush (load->output, cancellable, error))
    {
      daemon_load_explain_failure (load, error);
      return FALSE;
    }

  g_atomic_pointer_set (&load->response.cancellable, cancellable);
  join (load);
  g_atomic_pointer_set (&load->response.cancellable, NULL);
  return verdict (load, cancellable, error);
}

void
daemon_load_free (DaemonLoad *load)
{
  if (load == NULL)
    return;

  if (!load->joined && load->thread != NULL)
    {
      g_debug ("aborting the upload to the Docker daemon");
      g_atomic_int_set (&load->aborted, 1);
      join (load);
    }
  if (load->read_fd >= 0)
    close (load->read_fd);
  if (load->curl != NULL)
    curl_easy_cleanup (load->curl);
  curl_slist_free_all (load->headers);
  g_clear_object (&load->output);
  g_clear_object (&load->connection);
  g_clear_object (&load->socket);
  response_clear (&load->response);
  g_free (load);
}
