/* skopos-auth.c: registry credentials in auth files and credential helpers.
 *
 * The files are the ones the containers tools and docker read, in their order (see
 * skopos-auth.h for the full search order). Three formats share one reader:
 *   - auth.json and ~/.docker/config.json: {"auths": {KEY: {"auth": base64(user:pw),
 *     "identitytoken": …}}, "credHelpers": {HOST: NAME}, "credsStore": NAME};
 *   - ~/.dockercfg (legacy): the "auths" object alone, keyed by registry URL.
 * A credential helper is the program docker-credential-NAME, spoken to on stdin and
 * stdout the way docker does ("get", "store", "erase", "list").
 *
 * Writing (login, logout) touches one file only, the write path, and writes it the
 * way podman does: JSON indented with tabs, keys in Go's order, mode 0600, through a
 * temporary file and a rename. Members skopos does not know are kept.
 *
 * Secrets never reach an error message or g_debug(): errors name the key and the
 * file, never the decoded "auth" value or a helper's output.
 *
 * Threading: every function reads the files anew and keeps no state, so calls from
 * several threads are safe.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include <skopos/skopos-auth.h>
#include <skopos/skopos-docker-reference.h>
#include <skopos/skopos-error.h>
#include <skopos/skopos-registries.h>
#include <skopos/skopos-transport-plugin.h>

#define HELPER_NOT_FOUND_MESSAGE "credentials not found in native keychain"
#define AUTH_FILE_HELPER "containers-auth.json"

/* ---- Credentials ---------------------------------------------------------------- */

static void
wipe_string (char *s)
{
  if (s != NULL)
    explicit_bzero (s, strlen (s));
  g_free (s);
}

SkoposCredentials *
skopos_credentials_new (const char *username, const char *password, const char *identity_token)
{
  SkoposCredentials *creds = g_new0 (SkoposCredentials, 1);
  creds->username = g_strdup (username);
  creds->password = g_strdup (password);
  creds->identity_token = g_strdup (identity_token);
  return creds;
}

void
skopos_credentials_free (SkoposCredentials *creds)
{
  if (creds == NULL)
    return;
  wipe_string (creds->username);
  wipe_string (creds->password);
  wipe_string (creds->identity_token);
  g_free (creds);
}

SkoposCredentials *
skopos_credentials_parse (const char *user_colon_password, GError **error)
{
  if (user_colon_password == NULL || *user_colon_password == '\0')
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT, "credentials must not be empty");
      return NULL;
    }

  const char *colon = strchr (user_colon_password, ':');
  if (colon == user_colon_password)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                    "credentials have an empty user name");
      return NULL;
    }

  if (colon == NULL)
    return skopos_credentials_new (user_colon_password, "", NULL);

  g_autofree char *user = g_strndup (user_colon_password, colon - user_colon_password);
  return skopos_credentials_new (user, colon + 1, NULL);
}

/* ---- Keys ------------------------------------------------------------------------- */

/* The registry part of a key ("host:port" of "host:port/ns/repo"). */
static char *
key_registry (const char *key)
{
  const char *slash = strchr (key, '/');
  return slash != NULL ? g_strndup (key, slash - key) : g_strdup (key);
}

gboolean
skopos_auth_validate_key (const char *key, gboolean *out_namespaced, GError **error)
{
  if (key == NULL || *key == '\0')
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT, "a registry name is required");

  if (g_str_has_prefix (key, "http://") || g_str_has_prefix (key, "https://"))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "key '%s' contains an http[s]:// prefix", key);

  if (strchr (key, '@') != NULL)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "key '%s' contains a '@' character", key);

  const char *slash = strchr (key, '/');
  if (slash != NULL && strchr (slash + 1, ':') != NULL)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "key '%s' contains a ':' character after host[:port]", key);

  if (slash == key || g_str_has_suffix (key, "/") || strstr (key, "//") != NULL)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "key '%s' has an empty path component", key);

  if (out_namespaced != NULL)
    *out_namespaced = slash != NULL;
  return TRUE;
}

char *
skopos_auth_key_from_argument (const char *arg, char **out_registry, GError **error)
{
  g_autofree char *key = NULL;

  /* An URL stands for its host and port. */
  if (g_str_has_prefix (arg, "https://") || g_str_has_prefix (arg, "http://"))
    {
      const char *host = strstr (arg, "://") + 3;
      key = g_strndup (host, strcspn (host, "/?#"));
    }
  else
    key = g_strdup (arg);

  if (*key == '\0')
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT, "'%s' names no registry", arg);
      return NULL;
    }

  g_autofree char *registry = key_registry (key);
  if (!g_str_equal (registry, key))
    {
      /* A repository or namespace: it must parse, without tag or digest. The key keeps
       * the user's spelling (docker.io/vendor, not docker.io/library/vendor). */
      g_autoptr (GError) local_error = NULL;
      g_autoptr (SkoposDockerReference) ref = skopos_docker_reference_parse (key, &local_error);
      if (ref == NULL)
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT, "parse reference from '%s': %s",
                        key, local_error->message);
          return NULL;
        }
      if (!skopos_docker_reference_is_name_only (ref))
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                        "reference '%s' contains tag or digest", key);
          return NULL;
        }
    }

  if (!skopos_auth_validate_key (key, NULL, error))
    return NULL;
  if (out_registry != NULL)
    *out_registry = g_steal_pointer (&registry);
  return g_steal_pointer (&key);
}


/* docker.io has several spellings in old files. */
static const char *
normalize_registry (const char *registry)
{
  if (g_str_equal (registry, "registry-1.docker.io") || g_str_equal (registry, "docker.io"))
    return "index.docker.io";
  return registry;
}

/* "https://host/v2/" → "host"; a key without a scheme is kept whole unless legacy. */
static char *
normalize_file_key (const char *key, gboolean legacy)
{
  const char *stripped = key;
  if (g_str_has_prefix (key, "http://"))
    stripped = key + strlen ("http://");
  else if (g_str_has_prefix (key, "https://"))
    stripped = key + strlen ("https://");

  g_autofree char *host = NULL;
  if (legacy || stripped != key)
    {
      const char *slash = strchr (stripped, '/');
      host = slash != NULL ? g_strndup (stripped, slash - stripped) : g_strdup (stripped);
    }
  else
    host = g_strdup (stripped);

  return g_strdup (normalize_registry (host));
}

/* ---- Paths ------------------------------------------------------------------------ */

typedef struct
{
  char *path;
  gboolean legacy;
} AuthPath;

static void
auth_path_free (AuthPath *p)
{
  g_free (p->path);
  g_free (p);
}

static void
add_path (GPtrArray *paths, char *path, gboolean legacy)
{
  AuthPath *p = g_new0 (AuthPath, 1);
  p->path = path;
  p->legacy = legacy;
  g_ptr_array_add (paths, p);
}

/* The user's choice, or NULL. */
static const char *
user_auth_file (SkoposContext *ctx)
{
  const char *path = skopos_context_get_string (ctx, SKOPOS_CONTEXT_AUTHFILE);
  if (path != NULL && *path != '\0')
    return path;

  path = g_getenv ("REGISTRY_AUTH_FILE");
  if (path != NULL && *path != '\0')
    return path;

  return NULL;
}

static char *
default_write_path (void)
{
  const char *runtime_dir = g_getenv ("XDG_RUNTIME_DIR");
  if (runtime_dir != NULL && *runtime_dir != '\0')
    return g_build_filename (runtime_dir, "containers", "auth.json", NULL);

  g_autofree char *uid = g_strdup_printf ("%u", (unsigned) getuid ());
  return g_build_filename ("/run/containers", uid, "auth.json", NULL);
}

/* $HOME read on each call: GLib caches g_get_home_dir() for the life of the process. */
static const char *
home_dir (void)
{
  const char *home = g_getenv ("HOME");
  return home != NULL && *home != '\0' ? home : g_get_home_dir ();
}

static GPtrArray *
auth_paths (SkoposContext *ctx)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func ((GDestroyNotify) auth_path_free);

  const char *user = user_auth_file (ctx);
  if (user != NULL)
    {
      add_path (paths, g_strdup (user), FALSE);
      return paths;
    }

  add_path (paths, default_write_path (), FALSE);

  const char *home = home_dir ();
  const char *config_home = g_getenv ("XDG_CONFIG_HOME");
  if (config_home != NULL && *config_home != '\0')
    add_path (paths, g_build_filename (config_home, "containers", "auth.json", NULL), FALSE);
  else
    add_path (paths, g_build_filename (home, ".config", "containers", "auth.json", NULL), FALSE);

  const char *docker_config = g_getenv ("DOCKER_CONFIG");
  if (docker_config != NULL && *docker_config != '\0')
    add_path (paths, g_build_filename (docker_config, "config.json", NULL), FALSE);
  else
    add_path (paths, g_build_filename (home, ".docker", "config.json", NULL), FALSE);

  add_path (paths, g_build_filename (home, ".dockercfg", NULL), TRUE);
  return paths;
}

char **
skopos_auth_dup_search_path (SkoposContext *ctx)
{
  g_autoptr (GPtrArray) paths = auth_paths (ctx);
  GStrvBuilder *builder = g_strv_builder_new ();
  for (guint i = 0; i < paths->len; i++)
    g_strv_builder_add (builder, ((AuthPath *) paths->pdata[i])->path);
  char **result = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return result;
}

char *
skopos_auth_dup_write_path (SkoposContext *ctx, GError **error)
{
  const char *user = user_auth_file (ctx);
  if (user != NULL)
    return g_strdup (user);

  const char *runtime_dir = g_getenv ("XDG_RUNTIME_DIR");
  if (runtime_dir != NULL && *runtime_dir != '\0' && !g_file_test (runtime_dir, G_FILE_TEST_IS_DIR))
    {
      skopos_throw (error, SKOPOS_ERROR_FAILED,
                    "'%s', set by $XDG_RUNTIME_DIR, does not exist: create it or unset "
                    "XDG_RUNTIME_DIR",
                    runtime_dir);
      return NULL;
    }
  return default_write_path ();
}

/* ---- Reading a file ---------------------------------------------------------------- */

/* One auth file as read. A missing file reads as an empty one. */
typedef struct
{
  char *path;
  gboolean legacy;
  JsonNode *root;      /* the whole document (an object); NULL when missing */
  JsonObject *auths;   /* borrowed from root; NULL when missing */
  JsonObject *helpers; /* "credHelpers", borrowed; nullable */
  const char *store;   /* "credsStore", borrowed; nullable */
} AuthFile;

static void
auth_file_free (AuthFile *file)
{
  if (file == NULL)
    return;
  g_free (file->path);
  if (file->root != NULL)
    json_node_unref (file->root);
  g_free (file);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthFile, auth_file_free)

static AuthFile *
auth_file_read (const char *path, gboolean legacy, GError **error)
{
  g_autoptr (AuthFile) file = g_new0 (AuthFile, 1);
  file->path = g_strdup (path);
  file->legacy = legacy;

  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) local_error = NULL;
  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&file);
      skopos_throw (error, SKOPOS_ERROR_FAILED, "Reading '%s': %s", path, local_error->message);
      return NULL;
    }

  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, contents, len, &local_error))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "Reading JSON file '%s': %s", path,
                    local_error->message);
      return NULL;
    }
  explicit_bzero (contents, len);

  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "Reading JSON file '%s': the document is not a JSON object", path);
      return NULL;
    }
  file->root = json_node_ref (root);
  JsonObject *obj = json_node_get_object (root);

  if (legacy)
    {
      file->auths = obj;
      return g_steal_pointer (&file);
    }

  JsonNode *auths = json_object_get_member (obj, "auths");
  if (auths != NULL && !JSON_NODE_HOLDS_NULL (auths))
    {
      if (!JSON_NODE_HOLDS_OBJECT (auths))
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                        "Reading JSON file '%s': \"auths\" is not an object", path);
          return NULL;
        }
      file->auths = json_node_get_object (auths);
    }

  JsonNode *helpers = json_object_get_member (obj, "credHelpers");
  if (helpers != NULL && !JSON_NODE_HOLDS_NULL (helpers))
    {
      if (!JSON_NODE_HOLDS_OBJECT (helpers))
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                        "Reading JSON file '%s': \"credHelpers\" is not an object", path);
          return NULL;
        }
      file->helpers = json_node_get_object (helpers);
    }

  JsonNode *store = json_object_get_member (obj, "credsStore");
  if (store != NULL && JSON_NODE_HOLDS_VALUE (store)
      && json_node_get_value_type (store) == G_TYPE_STRING)
    file->store = json_node_get_string (store);

  return g_steal_pointer (&file);
}

static const char *
object_get_string (JsonObject *obj, const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static const char *
auth_file_get_helper (AuthFile *file, const char *registry)
{
  if (file->helpers == NULL)
    return NULL;
  return object_get_string (file->helpers, registry);
}

/* Decodes one "auths" entry. An entry without a usable "auth" value (docker writes
 * empty ones next to credential helpers) gives no credentials. */
static gboolean
decode_entry (AuthFile *file, const char *key, JsonNode *node, SkoposCredentials **out_creds,
              GError **error)
{
  *out_creds = NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "Reading JSON file '%s': the entry for '%s' is not an object",
                         file->path, key);

  JsonObject *entry = json_node_get_object (node);
  const char *auth = object_get_string (entry, "auth");
  const char *identity_token = object_get_string (entry, "identitytoken");
  if (identity_token != NULL && *identity_token == '\0')
    identity_token = NULL;

  if (auth == NULL || *auth == '\0')
    {
      if (identity_token != NULL)
        *out_creds = skopos_credentials_new (NULL, NULL, identity_token);
      return TRUE;
    }

  gsize len = 0;
  guchar *decoded = g_base64_decode (auth, &len);
  g_autofree char *text = g_strndup ((const char *) decoded, len);
  explicit_bzero (decoded, len);
  g_free (decoded);

  char *colon = strchr (text, ':');
  if (colon == NULL)
    {
      explicit_bzero (text, strlen (text));
      g_debug ("The \"auth\" value for '%s' in '%s' has no colon, ignoring", key, file->path);
      if (identity_token != NULL)
        *out_creds = skopos_credentials_new (NULL, NULL, identity_token);
      return TRUE;
    }

  *colon = '\0';
  /* Some writers pad the password with NUL bytes. */
  char *password = colon + 1;
  *out_creds = skopos_credentials_new (text, password, identity_token);
  explicit_bzero (text, len);
  return TRUE;
}

/* ---- Credential helpers ------------------------------------------------------------ */

/* With @missing_is_empty, a helper that is not installed holds nothing; otherwise
 * it is an error naming the program. */
static gboolean
run_helper (const char *helper, const char *action, const char *input,
            gboolean missing_is_empty, char **out_stdout, gboolean *out_not_found,
            GError **error)
{
  g_autofree char *program = g_strconcat ("docker-credential-", helper, NULL);
  g_autoptr (GError) local_error = NULL;
  *out_not_found = FALSE;

  g_autoptr (GSubprocess) proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                                       | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                       | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                                   &local_error, program, action, NULL);
  if (proc == NULL)
    {
      gboolean missing = g_error_matches (local_error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT)
                         || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      if (missing && missing_is_empty)
        {
          g_debug ("Credential helper '%s' is not installed; treating it as empty", program);
          *out_not_found = TRUE;
          return TRUE;
        }
      return skopos_throw (error, SKOPOS_ERROR_FAILED, "Running credential helper '%s': %s",
                           program, local_error->message);
    }

  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  if (!g_subprocess_communicate_utf8 (proc, input, NULL, &out, &err, &local_error))
    return skopos_throw (error, SKOPOS_ERROR_FAILED, "Running credential helper '%s': %s",
                         program, local_error->message);

  if (!g_subprocess_get_successful (proc))
    {
      /* The helper protocol reports "not found" as text on stdout. */
      if ((out != NULL && strstr (out, HELPER_NOT_FOUND_MESSAGE) != NULL)
          || (err != NULL && strstr (err, HELPER_NOT_FOUND_MESSAGE) != NULL))
        {
          *out_not_found = TRUE;
          return TRUE;
        }
      if (out != NULL)
        explicit_bzero (out, strlen (out));
      return skopos_throw (error, SKOPOS_ERROR_FAILED,
                           "Credential helper '%s' failed to %s credentials (exit status %d)",
                           program, action, g_subprocess_get_exit_status (proc));
    }

  *out_stdout = g_steal_pointer (&out);
  return TRUE;
}

static gboolean
helper_get (const char *helper, const char *registry, gboolean missing_is_empty,
            SkoposCredentials **out_creds, GError **error)
{
  g_autofree char *out = NULL;
  gboolean not_found = FALSE;
  *out_creds = NULL;

  if (!run_helper (helper, "get", registry, missing_is_empty, &out, &not_found, error))
    return FALSE;
  if (not_found)
    {
      g_debug ("Credential helper '%s' has nothing for '%s'", helper, registry);
      return TRUE;
    }

  g_autoptr (JsonParser) parser = json_parser_new ();
  gboolean parsed = json_parser_load_from_data (parser, out, -1, NULL);
  explicit_bzero (out, strlen (out));
  JsonNode *root = parsed ? json_parser_get_root (parser) : NULL;
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return skopos_throw (error, SKOPOS_ERROR_FAILED,
                         "Credential helper 'docker-credential-%s' returned something that is "
                         "not a JSON object",
                         helper);

  JsonObject *obj = json_node_get_object (root);
  const char *username = object_get_string (obj, "Username");
  const char *secret = object_get_string (obj, "Secret");

  /* Docker's convention for identity tokens. */
  if (g_strcmp0 (username, "<token>") == 0)
    *out_creds = skopos_credentials_new (NULL, NULL, secret);
  else
    *out_creds = skopos_credentials_new (username, secret, NULL);
  return TRUE;
}

static gboolean
helper_store (const char *helper, const char *registry, const char *username,
              const char *password, GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ServerURL");
  json_builder_add_string_value (builder, registry);
  json_builder_set_member_name (builder, "Username");
  json_builder_add_string_value (builder, username);
  json_builder_set_member_name (builder, "Secret");
  json_builder_add_string_value (builder, password);
  json_builder_end_object (builder);

  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *input = json_to_string (root, FALSE);
  g_autofree char *out = NULL;
  gboolean not_found = FALSE;
  gboolean ok = run_helper (helper, "store", input, FALSE, &out, &not_found, error);
  explicit_bzero (input, strlen (input));
  return ok;
}

/* Sets @out_found to whether the helper had something to erase. */
static gboolean
helper_erase (const char *helper, const char *registry, gboolean *out_found, GError **error)
{
  g_autofree char *out = NULL;
  gboolean not_found = FALSE;
  /* Erasing from a helper that is not installed finds nothing to erase. */
  if (!run_helper (helper, "erase", registry, TRUE, &out, &not_found, error))
    return FALSE;
  *out_found = !not_found;
  return TRUE;
}

/* ---- Lookup ------------------------------------------------------------------------ */

static gboolean
find_in_file (AuthFile *file, const char *key, const char *registry,
              SkoposCredentials **out_creds, char **out_source, GError **error)
{
  *out_creds = NULL;

  /* Helpers are per registry; namespaced keys are an auth.json feature only. */
  const char *helper = file->legacy ? NULL : auth_file_get_helper (file, registry);
  if (helper != NULL)
    {
      g_debug ("Looking up '%s' in credential helper '%s' named by '%s'", registry, helper,
               file->path);
      if (!helper_get (helper, registry, FALSE, out_creds, error))
        return FALSE;
      if (*out_creds != NULL && out_source != NULL)
        *out_source = g_strdup_printf ("credential helper '%s'", helper);
      return TRUE;
    }

  if (!file->legacy && file->store != NULL)
    {
      /* credsStore is often left behind by Docker Desktop with its helper gone; the
       * containers tools ignore it, so a missing one must not stop anonymous pulls. */
      if (!helper_get (file->store, registry, TRUE, out_creds, error))
        return FALSE;
      if (*out_creds != NULL)
        {
          if (out_source != NULL)
            *out_source = g_strdup_printf ("credential helper '%s'", file->store);
          return TRUE;
        }
    }

  if (file->auths == NULL)
    return TRUE;

  /* The longest exact key first: host/ns/repo, host/ns, host. */
  if (!file->legacy)
    {
      g_autofree char *candidate = g_strdup (key);
      for (;;)
        {
          JsonNode *node = json_object_get_member (file->auths, candidate);
          if (node != NULL)
            {
              if (!decode_entry (file, candidate, node, out_creds, error))
                return FALSE;
              if (*out_creds != NULL && out_source != NULL)
                *out_source = g_strdup (file->path);
              return TRUE;
            }
          char *slash = strrchr (candidate, '/');
          if (slash == NULL)
            break;
          *slash = '\0';
        }
    }

  /* Then keys written as URLs, or spelled differently for docker.io. */
  const char *wanted = normalize_registry (registry);
  g_autoptr (GList) members = json_object_get_members (file->auths);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *member = l->data;
      g_autofree char *normalized = normalize_file_key (member, file->legacy);
      if (!g_str_equal (normalized, wanted))
        continue;
      if (!decode_entry (file, member, json_object_get_member (file->auths, member), out_creds,
                         error))
        return FALSE;
      if (*out_creds != NULL && out_source != NULL)
        *out_source = g_strdup (file->path);
      return TRUE;
    }
  return TRUE;
}

/* The auth files, in their order. */
static gboolean
lookup_in_files (SkoposContext *ctx, const char *key, const char *registry,
                 SkoposCredentials **out_creds, char **out_source, GError **error)
{
  g_autoptr (GPtrArray) paths = auth_paths (ctx);
  for (guint i = 0; i < paths->len; i++)
    {
      AuthPath *p = paths->pdata[i];
      g_autoptr (AuthFile) file = auth_file_read (p->path, p->legacy, error);
      if (file == NULL)
        return FALSE;
      if (!find_in_file (file, key, registry, out_creds, out_source, error))
        return FALSE;
      if (*out_creds != NULL)
        {
          g_debug ("Found credentials for '%s' in '%s'", key, p->path);
          return TRUE;
        }
    }
  return TRUE;
}

/* registries.conf's credential-helpers: where credentials are looked for and stored,
 * AUTH_FILE_HELPER standing for the auth files. */
static gboolean
credential_helpers (SkoposContext *ctx, char ***out_helpers, GError **error)
{
  g_autoptr (SkoposRegistriesConf) conf = skopos_registries_conf_load (ctx, error);
  if (conf == NULL)
    return FALSE;
  *out_helpers = g_strdupv ((char **) skopos_registries_conf_get_credential_helpers (conf));
  return TRUE;
}

gboolean
skopos_auth_lookup (SkoposContext *ctx, const char *key, SkoposCredentials **out_creds,
                    char **out_source, GError **error)
{
  g_return_val_if_fail (out_creds != NULL, FALSE);
  *out_creds = NULL;

  if (!skopos_auth_validate_key (key, NULL, error))
    return FALSE;

  const char *creds_text = skopos_context_get_string (ctx, SKOPOS_CONTEXT_CREDS);
  if (creds_text != NULL)
    {
      SkoposCredentials *creds = skopos_credentials_parse (creds_text, error);
      if (creds == NULL)
        return skopos_prefix_error (error, "--creds: ");
      *out_creds = creds;
      if (out_source != NULL)
        *out_source = g_strdup ("--creds");
      return TRUE;
    }

  const char *username = skopos_context_get_string (ctx, SKOPOS_CONTEXT_USERNAME);
  const char *password = skopos_context_get_string (ctx, SKOPOS_CONTEXT_PASSWORD);
  if (username != NULL || password != NULL)
    {
      if (username == NULL || *username == '\0')
        return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                             "a password was given without a user name");
      *out_creds = skopos_credentials_new (username, password != NULL ? password : "", NULL);
      if (out_source != NULL)
        *out_source = g_strdup ("--username");
      return TRUE;
    }

  if (skopos_context_get_boolean (ctx, SKOPOS_CONTEXT_NO_CREDS, FALSE))
    {
      g_debug ("No credentials for '%s': --no-creds", key);
      return TRUE;
    }

  g_autofree char *registry = key_registry (key);
  g_auto (GStrv) helpers = NULL;
  if (!credential_helpers (ctx, &helpers, error))
    return FALSE;

  /* As containers/image: a failing helper does not hide the ones after it, but when
   * none has credentials its failure is reported. */
  g_autoptr (GString) failures = g_string_new (NULL);
  for (guint h = 0; helpers[h] != NULL; h++)
    {
      g_autoptr (GError) local_error = NULL;
      if (g_str_equal (helpers[h], AUTH_FILE_HELPER))
        {
          if (!lookup_in_files (ctx, key, registry, out_creds, out_source, error))
            return FALSE;
        }
      else if (!helper_get (helpers[h], registry, FALSE, out_creds, &local_error))
        {
          g_debug ("%s", local_error->message);
          g_string_append_printf (failures, "%s%s", failures->len > 0 ? "; " : "",
                                  local_error->message);
          continue;
        }
      else if (*out_creds != NULL && out_source != NULL)
        *out_source = g_strdup_printf ("credential helper '%s'", helpers[h]);

      if (*out_creds != NULL)
        return TRUE;
    }

  if (failures->len > 0)
    return skopos_throw (error, SKOPOS_ERROR_FAILED, "looking up credentials for %s: %s", key,
                         failures->str);
  g_debug ("No credentials for '%s' found", key);
  return TRUE;
}

/* ---- Writing ----------------------------------------------------------------------- */

/* Go's encoding/json escapes: what json.MarshalIndent writes for a string. */
static void
append_go_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        case '<':
        case '>':
        case '&':
          g_string_append_printf (out, "\\u%04x", *p);
          break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
            {
              g_string_append_printf (out, "\\u202%c", p[2] == 0xa8 ? '8' : '9');
              p += 2;
            }
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
append_indent (GString *out, guint depth)
{
  for (guint i = 0; i < depth; i++)
    g_string_append_c (out, '\t');
}

static void append_go_node (GString *out, JsonNode *node, guint depth, const char *const *first);

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Members named in @first come first, in that order; the rest sorted, as Go writes
 * a map. */
static void
append_go_object (GString *out, JsonObject *obj, guint depth, const char *const *first)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  if (first != NULL)
    for (guint i = 0; first[i] != NULL; i++)
      if (json_object_has_member (obj, first[i]))
        g_ptr_array_add (names, (gpointer) first[i]);

  g_autoptr (GPtrArray) rest = g_ptr_array_new ();
  g_autoptr (GList) members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    if (first == NULL || !g_strv_contains (first, l->data))
      g_ptr_array_add (rest, l->data);
  g_ptr_array_sort (rest, compare_strings);
  for (guint i = 0; i < rest->len; i++)
    g_ptr_array_add (names, rest->pdata[i]);

  if (names->len == 0)
    {
      g_string_append (out, "{}");
      return;
    }

  g_string_append (out, "{\n");
  for (guint i = 0; i < names->len; i++)
    {
      append_indent (out, depth + 1);
      append_go_string (out, names->pdata[i]);
      g_string_append (out, ": ");
      append_go_node (out, json_object_get_member (obj, names->pdata[i]), depth + 1, NULL);
      g_string_append (out, i + 1 < names->len ? ",\n" : "\n");
    }
  append_indent (out, depth);
  g_string_append_c (out, '}');
}

static void
append_go_node (GString *out, JsonNode *node, guint depth, const char *const *first)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      append_go_object (out, json_node_get_object (node), depth, first);
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);
        if (n == 0)
          {
            g_string_append (out, "[]");
            break;
          }
        g_string_append (out, "[\n");
        for (guint i = 0; i < n; i++)
          {
            append_indent (out, depth + 1);
            append_go_node (out, json_array_get_element (array, i), depth + 1, NULL);
            g_string_append (out, i + 1 < n ? ",\n" : "\n");
          }
        append_indent (out, depth);
        g_string_append_c (out, ']');
        break;
      }

    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;

    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          append_go_string (out, json_node_get_string (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        default:
          {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];
            g_string_append (out, g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
          }
        }
      break;
    }
}

/* The text podman writes for a config: "auths" first, then "credHelpers"; entries
 * "auth" then "identitytoken". No trailing newline, as json.MarshalIndent. */
static char *
serialize_config (JsonObject *root)
{
  static const char *const top_first[] = { "auths", "credHelpers", NULL };
  static const char *const entry_first[] = { "auth", "identitytoken", NULL };
  GString *out = g_string_new (NULL);

  g_string_append (out, "{\n");
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  for (guint i = 0; top_first[i] != NULL; i++)
    if (json_object_has_member (root, top_first[i]))
      g_ptr_array_add (names, (gpointer) top_first[i]);
  g_autoptr (GPtrArray) rest = g_ptr_array_new ();
  g_autoptr (GList) members = json_object_get_members (root);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (top_first, l->data))
      g_ptr_array_add (rest, l->data);
  g_ptr_array_sort (rest, compare_strings);
  for (guint i = 0; i < rest->len; i++)
    g_ptr_array_add (names, rest->pdata[i]);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      JsonNode *node = json_object_get_member (root, name);
      append_indent (out, 1);
      append_go_string (out, name);
      g_string_append (out, ": ");

      if (g_str_equal (name, "auths") && JSON_NODE_HOLDS_OBJECT (node))
        {
          /* Entries get their members in Go struct order. */
          JsonObject *auths = json_node_get_object (node);
          g_autoptr (GList) keys = json_object_get_members (auths);
          keys = g_list_sort (keys, (GCompareFunc) strcmp);
          if (keys == NULL)
            g_string_append (out, "{}");
          else
            {
              g_string_append (out, "{\n");
              for (GList *l = keys; l != NULL; l = l->next)
                {
                  append_indent (out, 2);
                  append_go_string (out, l->data);
                  g_string_append (out, ": ");
                  append_go_node (out, json_object_get_member (auths, l->data), 2, entry_first);
                  g_string_append (out, l->next != NULL ? ",\n" : "\n");
                }
              append_indent (out, 1);
              g_string_append_c (out, '}');
            }
        }
      else
        append_go_node (out, node, 1, NULL);
      g_string_append (out, i + 1 < names->len ? ",\n" : "\n");
    }
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

/* Reads the write path for editing: a fresh object when it does not exist. */
static AuthFile *
open_for_edit (SkoposContext *ctx, GError **error)
{
  g_autofree char *path = skopos_auth_dup_write_path (ctx, error);
  if (path == NULL)
    return NULL;

  g_autoptr (AuthFile) file = auth_file_read (path, FALSE, error);
  if (file == NULL)
    return NULL;

  if (file->root == NULL)
    {
      file->root = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (file->root, json_object_new ());
    }
  JsonObject *root = json_node_get_object (file->root);
  if (file->auths == NULL)
    {
      json_object_set_object_member (root, "auths", json_object_new ());
      file->auths = json_object_get_object_member (root, "auths");
    }
  return g_steal_pointer (&file);
}

static gboolean
write_file (AuthFile *file, GError **error)
{
  JsonObject *root = json_node_get_object (file->root);

  /* Like podman: no empty "credHelpers". */
  if (file->helpers != NULL && json_object_get_size (file->helpers) == 0)
    {
      json_object_remove_member (root, "credHelpers");
      file->helpers = NULL;
    }

  g_autofree char *dir = g_path_get_dirname (file->path);
  if (!skopos_mkdir_with_parents (dir, 0700, error))
    return FALSE;

  g_autofree char *text = serialize_config (root);
  gboolean ok = skopos_file_replace_contents (file->path, text, strlen (text), 0600, error);
  explicit_bzero (text, strlen (text));
  return ok;
}

static gboolean
store_in_file (SkoposContext *ctx, const char *key, gboolean namespaced, const char *username,
               const char *password, char **out_location, GError **error)
{
  g_autoptr (AuthFile) file = open_for_edit (ctx, error);
  if (file == NULL)
    return FALSE;

  /* A helper serves a whole registry, so a namespaced key under it has nowhere to
   * go: lookups would ask the helper and never see a file entry. */
  g_autofree char *registry = key_registry (key);
  const char *helper = auth_file_get_helper (file, registry);
  if (helper == NULL)
    helper = file->store;
  if (helper != NULL)
    {
      if (namespaced)
        return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                             "credential helper '%s' does not take a namespaced key ('%s')",
                             helper, key);
      if (!helper_store (helper, key, username, password, error))
        return FALSE;
      if (out_location != NULL)
        *out_location = g_strdup_printf ("credential helper: %s", helper);
      return TRUE;
    }

  g_autofree char *pair = g_strconcat (username, ":", password, NULL);
  g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));
  explicit_bzero (pair, strlen (pair));

  JsonObject *entry = json_object_new ();
  json_object_set_string_member (entry, "auth", encoded);
  explicit_bzero (encoded, strlen (encoded));
  json_object_set_object_member (file->auths, key, entry);

  if (!write_file (file, error))
    return FALSE;
  if (out_location != NULL)
    *out_location = g_strdup (file->path);
  return TRUE;
}

static gboolean
remove_from_file (SkoposContext *ctx, const char *key, gboolean namespaced, gboolean *out_found,
                  GError **error)
{
  g_autoptr (AuthFile) file = open_for_edit (ctx, error);
  if (file == NULL)
    return FALSE;

  gboolean logged_in = FALSE;
  const char *helper = auth_file_get_helper (file, key);
  if (helper == NULL)
    helper = file->store;
  if (helper != NULL && !namespaced)
    {
      gboolean found = FALSE;
      if (!helper_erase (helper, key, &found, error))
        return FALSE;
      logged_in |= found;
    }

  if (json_object_has_member (file->auths, key))
    {
      json_object_remove_member (file->auths, key);
      logged_in = TRUE;
      if (!write_file (file, error))
        return FALSE;
    }

  *out_found = logged_in;
  return TRUE;
}

static gboolean
remove_all_from_file (SkoposContext *ctx, GError **error)
{
  g_autoptr (AuthFile) file = open_for_edit (ctx, error);
  if (file == NULL)
    return FALSE;

  if (file->helpers != NULL)
    {
      g_autoptr (GList) registries = json_object_get_members (file->helpers);
      for (GList *l = registries; l != NULL; l = l->next)
        {
          const char *helper = object_get_string (file->helpers, l->data);
          gboolean found = FALSE;
          if (helper != NULL && !helper_erase (helper, l->data, &found, error))
            return FALSE;
        }
    }

  JsonObject *root = json_node_get_object (file->root);
  json_object_set_object_member (root, "auths", json_object_new ());
  file->auths = json_object_get_object_member (root, "auths");
  if (file->helpers != NULL)
    {
      json_object_remove_member (root, "credHelpers");
      file->helpers = NULL;
    }
  return write_file (file, error);
}

/* ---- Through registries.conf's credential-helpers ------------------------------------ */

gboolean
skopos_auth_store (SkoposContext *ctx, const char *key, const char *username,
                   const char *password, char **out_location, GError **error)
{
  gboolean namespaced = FALSE;
  if (!skopos_auth_validate_key (key, &namespaced, error))
    return FALSE;
  if (username == NULL || *username == '\0')
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT, "a user name is required");
  if (strchr (username, ':') != NULL)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "a user name must not contain ':'");
  if (password == NULL)
    password = "";

  g_auto (GStrv) helpers = NULL;
  if (!credential_helpers (ctx, &helpers, error))
    return FALSE;

  /* The first place that takes them. */
  g_autoptr (GString) failures = g_string_new (NULL);
  for (guint h = 0; helpers[h] != NULL; h++)
    {
      g_autoptr (GError) local_error = NULL;
      gboolean ok;
      if (g_str_equal (helpers[h], AUTH_FILE_HELPER))
        ok = store_in_file (ctx, key, namespaced, username, password, out_location,
                            &local_error);
      else if (namespaced)
        ok = skopos_throw (&local_error, SKOPOS_ERROR_NOT_SUPPORTED,
                           "credential helper '%s' does not take a namespaced key ('%s')",
                           helpers[h], key);
      else
        {
          ok = helper_store (helpers[h], key, username, password, &local_error);
          if (ok && out_location != NULL)
            *out_location = g_strdup_printf ("credential helper: %s", helpers[h]);
        }
      if (ok)
        return TRUE;
      g_string_append_printf (failures, "%s%s", failures->len > 0 ? "; " : "",
                              local_error->message);
    }
  /* The caller says what was being stored; this says why every place refused it. */
  return skopos_throw (error, SKOPOS_ERROR_FAILED, "%s", failures->str);
}

gboolean
skopos_auth_remove (SkoposContext *ctx, const char *key, GError **error)
{
  gboolean namespaced = FALSE;
  if (!skopos_auth_validate_key (key, &namespaced, error))
    return FALSE;

  g_auto (GStrv) helpers = NULL;
  if (!credential_helpers (ctx, &helpers, error))
    return FALSE;

  /* From every place that may hold them. */
  gboolean logged_in = FALSE;
  for (guint h = 0; helpers[h] != NULL; h++)
    {
      gboolean found = FALSE;
      if (g_str_equal (helpers[h], AUTH_FILE_HELPER))
        {
          if (!remove_from_file (ctx, key, namespaced, &found, error))
            return FALSE;
        }
      else if (!namespaced && !helper_erase (helpers[h], key, &found, error))
        return FALSE;
      logged_in |= found;
    }

  if (!logged_in)
    return skopos_throw (error, SKOPOS_ERROR_NOT_FOUND, "not logged into %s", key);
  return TRUE;
}

/* Erases everything a helper holds ("list", then "erase" for each). */
static gboolean
helper_erase_all (const char *helper, GError **error)
{
  g_autofree char *out = NULL;
  gboolean not_found = FALSE;
  if (!run_helper (helper, "list", "", TRUE, &out, &not_found, error))
    return FALSE;
  if (not_found || out == NULL)
    return TRUE;

  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root = json_parser_load_from_data (parser, out, -1, NULL)
                       ? json_parser_get_root (parser)
                       : NULL;
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return skopos_throw (error, SKOPOS_ERROR_FAILED,
                         "Credential helper 'docker-credential-%s' listed something that is "
                         "not a JSON object",
                         helper);
  g_autoptr (GList) servers = json_object_get_members (json_node_get_object (root));
  for (GList *l = servers; l != NULL; l = l->next)
    {
      gboolean found = FALSE;
      if (!helper_erase (helper, l->data, &found, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
skopos_auth_remove_all (SkoposContext *ctx, GError **error)
{
  g_auto (GStrv) helpers = NULL;
  if (!credential_helpers (ctx, &helpers, error))
    return FALSE;

  for (guint h = 0; helpers[h] != NULL; h++)
    {
      gboolean ok = g_str_equal (helpers[h], AUTH_FILE_HELPER)
                        ? remove_all_from_file (ctx, error)
                        : helper_erase_all (helpers[h], error);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}
