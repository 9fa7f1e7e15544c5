/* docker-plugin.h: what the files of the docker transport share.
 *
 * Layers, bottom up:
 *   docker-http.c       libcurl: one request, buffered or streamed, on a connection
 *                       cache shared by every thread (CURLSH with locks);
 *   docker-parse.c      WWW-Authenticate, Link, Retry-After and registry error bodies;
 *   docker-client.c     one registry endpoint: scheme, TLS, ping, credentials, bearer
 *                       tokens per scope, retries, redirects;
 *   docker-transport.c  references, the descriptor, list-tags, delete, login checks;
 *   docker-source.c, docker-dest.c  the image source and destination.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <curl/curl.h>
#include <skopos/skopos-transport-plugin.h>

G_BEGIN_DECLS

/* Every manifest type skopos handles, most preferred first, as the Accept list. */
extern const char *const docker_manifest_types[];

/* ---- HTTP (docker-http.c) ---------------------------------------------------------- */

typedef struct
{
  gboolean verify;       /* verify the server's certificate (and refuse plain HTTP) */
  char *ca_dir;          /* nullable: folder of *.crt files, added to the system CAs */
  char *client_cert;     /* nullable: PEM file */
  char *client_key;      /* nullable: PEM file */
} DockerTls;

void docker_tls_clear (DockerTls *tls);

typedef struct
{
  long status;
  GPtrArray *header_names;  /* lower case */
  GPtrArray *header_values;
  GBytes *body;             /* never NULL after a buffered request */
  char *url;
} DockerResponse;

void docker_response_free (DockerResponse *resp);
/* The last value of a header (names are case-insensitive), or NULL. */
const char *docker_response_get_header (DockerResponse *resp, const char *name);
/* Every value of a header, in order (transfer container). */
GPtrArray *docker_response_get_headers (DockerResponse *resp, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DockerResponse, docker_response_free)

typedef struct
{
  const char *method;
  const char *url;
  GPtrArray *headers;          /* nullable: "Name: value" strings */
  GBytes *body;                /* nullable */
  GInputStream *body_stream;   /* nullable: streamed upload */
  gint64 body_size;            /* with body_stream: bytes to send, -1 for chunked */
  gint64 body_limit;           /* with body_size -1: send at most this, -1 no limit */
  gboolean body_ends_stream;   /* with body_size: check the stream ends right after */
  gint64 *body_sent;           /* nullable: out, bytes read from body_stream */
  const DockerTls *tls;
  const char *user_agent;
  gsize max_body;              /* a larger response body is an error; 0: 16 MiB */
} DockerHttpRequest;

gboolean docker_http_global_init (GError **error);

/* Sends a request and reads the whole answer. Transport failures are
 * SKOPOS_ERROR_CONNECTION; any HTTP status is a success here. */
gboolean docker_http_perform (const DockerHttpRequest *req,
                              DockerResponse **out_resp,
                              GCancellable *cancellable,
                              GError **error);

/* Starts a GET whose body is read as a stream; returns once the status and headers
 * are in. @out_stream is set for 2xx answers; for others the body is read whole into
 * the response. */
gboolean docker_http_open_stream (const DockerHttpRequest *req,
                                  DockerResponse **out_resp,
                                  GInputStream **out_stream,
                                  GCancellable *cancellable,
                                  GError **error);

/* Whether a curl result is worth another try (dropped or refused connections,
 * timeouts). */
gboolean docker_http_error_is_transient (const GError *error);

/* ---- Parsing (docker-parse.c) ------------------------------------------------------- */

typedef struct
{
  char *scheme;        /* lower case: "bearer", "basic" */
  GHashTable *params;  /* lower-case name → value */
} DockerChallenge;

void docker_challenge_free (DockerChallenge *challenge);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DockerChallenge, docker_challenge_free)

/* Parses WWW-Authenticate values into challenges (appended to @out, of
 * DockerChallenge*). Malformed parts are skipped. */
void docker_parse_www_authenticate (const char *value, GPtrArray *out);

/* The target of the rel="next" link in a Link header value, or NULL. */
char *docker_parse_link_next (const char *value);

/* Retry-After as seconds from now (delta seconds or an HTTP date); -1 if absent or
 * unparsable. */
gint64 docker_parse_retry_after (const char *value);

/* One readable line from a registry error body ({"errors": [{code, message, detail}]})
 * and the code of its first error; falls back to the HTTP status text. */
char *docker_parse_error_body (GBytes *body, long status, char **out_code);

/* Resolves @location against @base (absolute URL). */
char *docker_url_resolve (const char *base, const char *location);

/* The URL with any user:password@ removed, for messages. */
char *docker_url_redact (const char *url);

/* "scheme://host[:port]" of an URL, lower case, or NULL. */
char *docker_url_origin (const char *url);

/* ---- The registry client (docker-client.c) ----------------------------------------- */

typedef struct _DockerClient DockerClient;

typedef enum
{
  DOCKER_ACCESS_PULL,
  DOCKER_ACCESS_PUSH,   /* pull and push */
  DOCKER_ACCESS_DELETE, /* "*" */
} DockerAccess;

/**
 * docker_client_new:
 * @registry: the registry as references name it ("docker.io", "localhost:5000")
 * @repository: the repository path the client works on (for credentials and scopes)
 * @insecure_conf: registries.conf marks this endpoint insecure
 */
DockerClient *docker_client_new (SkoposContext *ctx,
                                 const char *registry,
                                 const char *repository,
                                 gboolean insecure_conf,
                                 DockerAccess access,
                                 GError **error);
DockerClient *docker_client_ref (DockerClient *client);
void docker_client_unref (DockerClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DockerClient, docker_client_unref)

const char *docker_client_get_registry (DockerClient *client);
const char *docker_client_get_repository (DockerClient *client);

/* Pings /v2/ (once), learning the scheme and the auth challenge. */
gboolean docker_client_ping (DockerClient *client, GCancellable *cancellable, GError **error);

/* Adds pull access to @repository to what this client's tokens ask for (a
 * cross-repository mount needs it on the source repository). */
void docker_client_add_extra_scope (DockerClient *client, const char *repository);

typedef struct
{
  const char *method;
  const char *path;             /* "/v2/…" or an absolute URL the registry gave */
  GPtrArray *headers;           /* nullable */
  GBytes *body;                 /* nullable */
  GInputStream *body_stream;    /* nullable; such a request is retried only if none
                                 * of the stream was read */
  gint64 body_size;             /* as in DockerHttpRequest */
  gint64 body_limit;
  gboolean body_ends_stream;
  gint64 *body_sent;
  gboolean follow_redirects;    /* GET and HEAD only */
  const char *what;             /* for messages: "reading manifest x" */
} DockerClientRequest;

/* Sends a request with authentication, retries and redirects. Any HTTP status is
 * returned; use docker_client_error_from_response() to turn a failure into a
 * GError. */
gboolean docker_client_request (DockerClient *client,
                                const DockerClientRequest *req,
                                DockerResponse **out_resp,
                                GCancellable *cancellable,
                                GError **error);

/* A GET of a blob as a stream that resumes with a Range request after a dropped
 * connection while retries remain. A non-2xx answer is an error. */
gboolean docker_client_get_blob_stream (DockerClient *client,
                                        const char *path,
                                        gint64 expected_size,
                                        GInputStream **out_stream,
                                        gint64 *out_size,
                                        GCancellable *cancellable,
                                        GError **error);

/* A GError for a failed answer: 404 and *_UNKNOWN codes are NOT_FOUND, 401
 * UNAUTHORIZED, 403 DENIED, 429 and 5xx RETRYABLE; the message is "@what: reason". */
gboolean docker_client_error_from_response (DockerResponse *resp,
                                            const char *what,
                                            GError **error);

/* "https://host:port" of this client (after a ping). */
const char *docker_client_get_base_url (DockerClient *client);

/* ---- Transport (docker-transport.c, docker-source.c, docker-dest.c) ----------------- */

typedef struct
{
  SkoposDockerReference *ref; /* normalised; a tag added when neither tag nor digest */
} DockerReference;

/* "tag" or "sha256:…" of a reference (the digest wins). */
const char *docker_reference_tail (DockerReference *ref);

gboolean docker_source_open (gpointer ref,
                             SkoposContext *ctx,
                             GCancellable *cancellable,
                             gpointer *out_source,
                             GError **error);
gboolean docker_destination_open (gpointer ref,
                                  SkoposContext *ctx,
                                  GCancellable *cancellable,
                                  gpointer *out_destination,
                                  GError **error);

/* Pull sources for @ref (mirrors from registries.conf, then the primary location),
 * each an (SkoposDockerReference *, insecure) pair; blocked registries are an error. */
typedef struct
{
  SkoposDockerReference *ref;
  gboolean insecure;
} DockerPullSource;

GPtrArray *docker_pull_sources (SkoposContext *ctx, const SkoposDockerReference *ref,
                                GError **error);
/* Whether registries.conf marks @ref's registry insecure; blocked is an error. */
gboolean docker_push_target_check (SkoposContext *ctx, const SkoposDockerReference *ref,
                                   gboolean *out_insecure, GError **error);

extern const SkoposSourceOps docker_source_ops;
extern const SkoposDestinationOps docker_destination_ops;

G_END_DECLS
