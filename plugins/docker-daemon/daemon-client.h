/* daemon-client.h: the few Docker Engine API calls the docker-daemon transport makes,
 * over libcurl: version negotiation, exporting an image and loading one, both
 * streamed.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <skopos/skopos-transport-plugin.h>

G_BEGIN_DECLS

/* The newest API version this client speaks; an older daemon's own is used instead. */
#define DAEMON_CLIENT_MAX_API_VERSION "1.41"

/* Where the daemon is when nothing else says. */
#define DAEMON_CLIENT_DEFAULT_HOST "unix:///var/run/docker.sock"

typedef struct _DaemonClient DaemonClient;
typedef struct _DaemonLoad DaemonLoad;

/**
 * daemon_client_new:
 *
 * Picks the endpoint (SKOPOS_CONTEXT_DAEMON_HOST, then $DOCKER_HOST, then
 * DAEMON_CLIENT_DEFAULT_HOST): unix://PATH, tcp://HOST:PORT and https:// (TLS, with
 * ca.pem, cert.pem and key.pem from SKOPOS_CONTEXT_CERT_DIR when given), or http://.
 * Then asks the daemon for its API version. A daemon that does not answer is
 * SKOPOS_ERROR_CONNECTION, saying where it was looked for.
 */
DaemonClient *daemon_client_new (SkoposContext *ctx, GCancellable *cancellable, GError **error);
void daemon_client_free (DaemonClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonClient, daemon_client_free)

const char *daemon_client_get_host (DaemonClient *client);

/* Streams `GET /images/{name}/get` into a new temporary file in @tmpdir and returns
 * its path; nothing is left behind on failure. */
char *daemon_client_export (DaemonClient *client,
                            const char *name,
                            const char *tmpdir,
                            GCancellable *cancellable,
                            GError **error);

/* Starts `POST /images/load`; the archive is then written to the stream of
 * daemon_load_get_stream(), while the request runs in a thread of its own. */
DaemonLoad *daemon_load_start (DaemonClient *client, GError **error);

GOutputStream *daemon_load_get_stream (DaemonLoad *load);

/* After a write to the stream failed: if the request has ended (the daemon refused
 * the archive or went away), replaces @error with what the daemon said. */
void daemon_load_explain_failure (DaemonLoad *load, GError **error);

/* Ends the upload and waits for the daemon's verdict. */
gboolean daemon_load_finish (DaemonLoad *load, GCancellable *cancellable, GError **error);

/* Without a finish, aborts the upload so the daemon loads nothing. */
void daemon_load_free (DaemonLoad *load);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonLoad, daemon_load_free)

G_END_DECLS
