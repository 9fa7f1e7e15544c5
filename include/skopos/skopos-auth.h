/* skopos-auth.h: registry credentials, read from and written to the files the
 * containers tools and docker use (auth.json, ~/.docker/config.json, ~/.dockercfg)
 * and through docker-credential-NAME helper programs.
 *
 * Lookup order for a key (the first source that has an answer wins):
 *   1. the context: SKOPOS_CONTEXT_CREDS ("user:password"), else
 *      SKOPOS_CONTEXT_USERNAME and SKOPOS_CONTEXT_PASSWORD, else
 *      SKOPOS_CONTEXT_NO_CREDS (no credentials at all);
 *   2. SKOPOS_CONTEXT_AUTHFILE, else $REGISTRY_AUTH_FILE: only that file is read;
 *   3. otherwise, in order: $XDG_RUNTIME_DIR/containers/auth.json (or
 *      /run/containers/UID/auth.json), $XDG_CONFIG_HOME/containers/auth.json (default
 *      ~/.config/…), $DOCKER_CONFIG/config.json (default ~/.docker/config.json),
 *      ~/.dockercfg.
 * Within one file: a credHelpers entry for the registry, then credsStore, then the
 * "auths" entries: "host/ns/repo", "host/ns", "host", then keys written as URLs
 * ("https://host/v2/", "http://host").
 *
 * Steps 2 and 3 are what registries.conf's credential-helpers list calls
 * "containers-auth.json", its default; other names in that list are helper programs
 * asked in the list's order (per registry, not per namespace). Storing goes to the
 * first entry of the list that takes the credentials; removing, to all of them.
 *
 * Keys are "host[:port]" or "host[:port]/namespace[/repo]". Credentials never appear
 * in errors or debug output.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <skopos/skopos-context.h>
#include <skopos/skopos-macros.h>

G_BEGIN_DECLS

/**
 * SkoposCredentials: what a registry login needs. Any field may be NULL; a set
 * identity_token is an OAuth2 refresh token to trade for access tokens.
 */
typedef struct
{
  char *username;
  char *password;
  char *identity_token;
} SkoposCredentials;

SKOPOS_API SkoposCredentials *skopos_credentials_new (const char *username,
                                                      const char *password,
                                                      const char *identity_token);
/* Overwrites the secrets before freeing them. Accepts NULL. */
SKOPOS_API void skopos_credentials_free (SkoposCredentials *creds);

/* Splits "user:password" at the first colon (the password may contain colons); a
 * text without a colon is a user name with an empty password. */
SKOPOS_API SkoposCredentials *skopos_credentials_parse (const char *user_colon_password,
                                                        GError **error);

/**
 * skopos_auth_validate_key:
 * @key: "host[:port]" or "host[:port]/path"
 * @out_namespaced: (out) (optional): whether @key has a path
 *
 * Refuses URLs ("https://…"), digests and tags, with SKOPOS_ERROR_INVALID_ARGUMENT.
 */
SKOPOS_API gboolean skopos_auth_validate_key (const char *key,
                                              gboolean *out_namespaced,
                                              GError **error);

/**
 * skopos_auth_key_from_argument:
 * @arg: what a user gives `login` or `logout`: "host[:port]", "host/ns/repo", or an
 *   URL ("https://host:port/v2/") whose host and port are kept
 * @out_registry: (out) (optional) (transfer full): the "host[:port]" part
 *
 * Returns: (transfer full): the key credentials are stored under, or NULL with
 *   SKOPOS_ERROR_INVALID_ARGUMENT for a name with a tag or digest or one that does
 *   not parse
 */
SKOPOS_API char *skopos_auth_key_from_argument (const char *arg, char **out_registry,
                                                GError **error);

/**
 * skopos_auth_dup_search_path:
 *
 * The auth files read for @ctx, in order; some may not exist.
 *
 * Returns: (transfer full): a NULL-terminated array of paths
 */
SKOPOS_API char **skopos_auth_dup_search_path (SkoposContext *ctx);

/* The file `login` writes and `logout` edits: SKOPOS_CONTEXT_AUTHFILE, else
 * $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, else
 * /run/containers/UID/auth.json. */
SKOPOS_API char *skopos_auth_dup_write_path (SkoposContext *ctx, GError **error);

/**
 * skopos_auth_lookup:
 * @ctx: (nullable): the context of the operation
 * @key: the repository ("host/ns/repo") or registry ("host") asked for
 * @out_creds: (out) (transfer full): the credentials, or NULL when there are none
 * @out_source: (out) (optional) (transfer full): where they came from, for debug
 *   output and `login --get-login` ("--creds", a file path, a helper name)
 *
 * Finds credentials as described at the top of this header. Finding none is not an
 * error. A file that exists but does not parse, or a helper that fails for another
 * reason than "not found", is.
 */
SKOPOS_API gboolean skopos_auth_lookup (SkoposContext *ctx,
                                        const char *key,
                                        SkoposCredentials **out_creds,
                                        char **out_source,
                                        GError **error);

/**
 * skopos_auth_store:
 * @out_location: (out) (optional) (transfer full): the file or helper written
 *
 * Stores credentials for @key in the write path (see skopos_auth_dup_write_path()),
 * in the format podman writes (tab-indented, file mode 0600), or through the
 * credential helper that file names for the registry.
 */
SKOPOS_API gboolean skopos_auth_store (SkoposContext *ctx,
                                       const char *key,
                                       const char *username,
                                       const char *password,
                                       char **out_location,
                                       GError **error);

/* Removes the credentials for @key from the write path (and its helper). Not being
 * logged in is SKOPOS_ERROR_NOT_FOUND. */
SKOPOS_API gboolean skopos_auth_remove (SkoposContext *ctx, const char *key, GError **error);

/* Removes every credential from the write path (and the helpers it names). */
SKOPOS_API gboolean skopos_auth_remove_all (SkoposContext *ctx, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkoposCredentials, skopos_credentials_free)

G_END_DECLS
