/* skopos-registries-conf.c: registries.conf, as the containers tools read it.
 *
 * Files and order: see skopos-registries.h. Each file is TOML (skopos-toml.c); the
 * parts read are
 *   [[registry]]  prefix, location, insecure, blocked, mirror-by-digest-only, and
 *                 [[registry.mirror]] entries (location, insecure, pull-from-mirror);
 *   unqualified-search-registries, credential-helpers;
 *   version 1: [registries.search], [registries.insecure], [registries.block] with
 *                 "registries" lists (a file may not mix the two versions; drop-ins
 *                 must be version 2).
 * Other keys (short-name-mode, aliases, …) are accepted and ignored, as skopeo does.
 *
 * Matching: a [[registry]] matches a reference when its prefix is the whole
 * reference or is followed in it by '/', ':' or '@'; "*.example.com" matches any
 * subdomain's references. The longest matching prefix wins. Pulls go to the
 * mirrors (subject to pull-from-mirror) and then to the location, each with the
 * prefix replaced by that endpoint's location.
 *
 * Entries are validated when read (URL schemes in locations, both prefix and
 * location missing, conflicting insecure or blocked settings, bad pull-from-mirror),
 * so a broken file fails at once with its name, not half-way through a copy.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include <skopos/skopos-error.h>
#include <skopos/skopos-registries.h>

#include "skopos-toml.h"

#define AUTH_FILE_HELPER "containers-auth.json"

/* For g_ptr_array_sort(), which passes pointers to the elements. */
static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

typedef struct
{
  char *location;
  gboolean insecure;
  char *pull_from_mirror; /* nullable: "all", "digest-only", "tag-only" */
} Endpoint;

typedef struct
{
  char *prefix;
  Endpoint endpoint;
  gboolean blocked;
  gboolean mirror_by_digest_only;
  GPtrArray *mirrors; /* Endpoint* */
} Registry;

struct _SkoposRegistriesConf
{
  GPtrArray *registries; /* Registry*, sorted by prefix */
  char **search;         /* nullable: unqualified-search-registries */
  char **helpers;        /* nullable: credential-helpers */
  char *origin;
};

static void
endpoint_clear (Endpoint *e)
{
  g_clear_pointer (&e->location, g_free);
  g_clear_pointer (&e->pull_from_mirror, g_free);
}

static void
endpoint_free (Endpoint *e)
{
  endpoint_clear (e);
  g_free (e);
}

static Endpoint *
endpoint_copy (const Endpoint *e)
{
  Endpoint *copy = g_new0 (Endpoint, 1);
  copy->location = g_strdup (e->location);
  copy->insecure = e->insecure;
  copy->pull_from_mirror = g_strdup (e->pull_from_mirror);
  return copy;
}

static void
registry_free (Registry *r)
{
  if (r == NULL)
    return;
  g_free (r->prefix);
  endpoint_clear (&r->endpoint);
  g_ptr_array_unref (r->mirrors);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Registry, registry_free)

static Registry *
registry_new (void)
{
  Registry *r = g_new0 (Registry, 1);
  r->mirrors = g_ptr_array_new_with_free_func ((GDestroyNotify) endpoint_free);
  return r;
}

static Registry *
registry_copy (const Registry *r)
{
  Registry *copy = registry_new ();
  copy->prefix = g_strdup (r->prefix);
  copy->endpoint.location = g_strdup (r->endpoint.location);
  copy->endpoint.insecure = r->endpoint.insecure;
  copy->blocked = r->blocked;
  copy->mirror_by_digest_only = r->mirror_by_digest_only;
  for (guint i = 0; i < r->mirrors->len; i++)
    g_ptr_array_add (copy->mirrors, endpoint_copy (r->mirrors->pdata[i]));
  return copy;
}

static SkoposRegistriesConf *
conf_new (const char *origin)
{
  SkoposRegistriesConf *conf = g_new0 (SkoposRegistriesConf, 1);
  conf->registries = g_ptr_array_new_with_free_func ((GDestroyNotify) registry_free);
  conf->origin = g_strdup (origin);
  return conf;
}

void
skopos_registries_conf_free (SkoposRegistriesConf *conf)
{
  if (conf == NULL)
    return;
  g_ptr_array_unref (conf->registries);
  g_strfreev (conf->search);
  g_strfreev (conf->helpers);
  g_free (conf->origin);
  g_free (conf);
}

void
skopos_pull_source_free (SkoposPullSource *source)
{
  if (source == NULL)
    return;
  g_free (source->reference);
  g_free (source);
}

const char *
skopos_registries_conf_get_origin (SkoposRegistriesConf *conf)
{
  return conf->origin;
}

const char *const *
skopos_registries_conf_get_credential_helpers (SkoposRegistriesConf *conf)
{
  static const char *const defaults[] = { AUTH_FILE_HELPER, NULL };
  if (conf->helpers == NULL || conf->helpers[0] == NULL)
    return defaults;
  return (const char *const *) conf->helpers;
}

/* ---- Reading the tree ----------------------------------------------------------------- */

static gboolean
get_string (JsonObject *obj, const char *key, const char *where, const char *origin,
            char **out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, key);
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: %s%s must be a string", origin,
                         where, key);
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
get_bool (JsonObject *obj, const char *key, const char *where, const char *origin,
          gboolean *out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, key);
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "%s: %s%s must be true or false", origin, where, key);
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* A list of strings; *out stays NULL when the key is absent. */
static gboolean
get_strv (JsonObject *obj, const char *key, const char *where, const char *origin, char ***out,
          GError **error)
{
  JsonNode *node = json_object_get_member (obj, key);
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "%s: %s%s must be a list of strings", origin, where, key);
  JsonArray *array = json_node_get_array (node);
  GStrvBuilder *builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *e = json_array_get_element (array, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        {
          g_strv_builder_unref (builder);
          return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                               "%s: %s%s must be a list of strings", origin, where, key);
        }
      g_strv_builder_add (builder, json_node_get_string (e));
    }
  g_strfreev (*out);
  *out = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return TRUE;
}

/* Locations are host[:port][/path]: no scheme, no trailing slash. */
static gboolean
clean_location (char **location, const char *origin, GError **error)
{
  if (*location == NULL)
    return TRUE;
  if (g_str_has_prefix (*location, "http://") || g_str_has_prefix (*location, "https://"))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "%s: invalid location '%s': URI schemes are not supported", origin,
                         *location);
  gsize len = strlen (*location);
  while (len > 0 && (*location)[len - 1] == '/')
    (*location)[--len] = '\0';
  return TRUE;
}

static gboolean
read_endpoint (JsonObject *obj, const char *where, const char *origin, Endpoint *e,
               GError **error)
{
  return get_string (obj, "location", where, origin, &e->location, error)
         && get_bool (obj, "insecure", where, origin, &e->insecure, error)
         && get_string (obj, "pull-from-mirror", where, origin, &e->pull_from_mirror, error)
         && clean_location (&e->location, origin, error);
}

static Registry *
read_registry (JsonObject *obj, guint index, const char *origin, GError **error)
{
  g_autoptr (Registry) r = registry_new ();
  g_autofree char *where = g_strdup_printf ("[[registry]] #%u: ", index + 1);

  if (!read_endpoint (obj, where, origin, &r->endpoint, error)
      || !get_string (obj, "prefix", where, origin, &r->prefix, error)
      || !get_bool (obj, "blocked", where, origin, &r->blocked, error)
      || !get_bool (obj, "mirror-by-digest-only", where, origin, &r->mirror_by_digest_only,
                    error)
      || !clean_location (&r->prefix, origin, error))
    return NULL;

  if (r->prefix == NULL || *r->prefix == '\0')
    {
      if (r->endpoint.location == NULL || *r->endpoint.location == '\0')
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                        "%s: %sboth location and prefix are unset", origin, where);
          return NULL;
        }
      g_free (r->prefix);
      r->prefix = g_strdup (r->endpoint.location);
    }
  else if (!g_str_has_prefix (r->prefix, "*.")
           && (r->endpoint.location == NULL || *r->endpoint.location == '\0'))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "%s: %slocation is unset and prefix '%s' is not of the form *.example.com",
                    origin, where, r->prefix);
      return NULL;
    }
  if (g_str_has_prefix (r->prefix, "*.") && strpbrk (r->prefix, "/@:") != NULL)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "%s: %sa wildcard prefix must be of the form *.example.com, not '%s'", origin,
                    where, r->prefix);
      return NULL;
    }
  if (r->endpoint.pull_from_mirror != NULL)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "%s: %spull-from-mirror must not be set for a non-mirror registry '%s'",
                    origin, where, r->prefix);
      return NULL;
    }

  JsonNode *mirrors = json_object_get_member (obj, "mirror");
  if (mirrors != NULL)
    {
      if (!JSON_NODE_HOLDS_ARRAY (mirrors))
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                        "%s: %smirror must be a list of tables ([[registry.mirror]])", origin,
                        where);
          return NULL;
        }
      JsonArray *array = json_node_get_array (mirrors);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *m = json_array_get_element (array, i);
          g_autofree char *mwhere = g_strdup_printf ("%smirror #%u: ", where, i + 1);
          if (!JSON_NODE_HOLDS_OBJECT (m))
            {
              skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: %sis not a table", origin,
                            mwhere);
              return NULL;
            }
          Endpoint *e = g_new0 (Endpoint, 1);
          g_ptr_array_add (r->mirrors, e);
          if (!read_endpoint (json_node_get_object (m), mwhere, origin, e, error))
            return NULL;
          if (e->location == NULL || *e->location == '\0')
            {
              skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: %slocation is unset", origin,
                            mwhere);
              return NULL;
            }
          if (r->mirror_by_digest_only && e->pull_from_mirror != NULL)
            {
              skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                            "%s: %scannot set mirror-by-digest-only for the registry and "
                            "pull-from-mirror for a mirror at the same time",
                            origin, mwhere);
              return NULL;
            }
          if (e->pull_from_mirror != NULL && !g_str_equal (e->pull_from_mirror, "all")
              && !g_str_equal (e->pull_from_mirror, "digest-only")
              && !g_str_equal (e->pull_from_mirror, "tag-only"))
            {
              skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                            "%s: %sunsupported pull-from-mirror value '%s' (all, digest-only or "
                            "tag-only)",
                            origin, mwhere, e->pull_from_mirror);
              return NULL;
            }
        }
    }
  return g_steal_pointer (&r);
}

static int
compare_registries (gconstpointer a, gconstpointer b)
{
  const Registry *ra = *(const Registry *const *) a;
  const Registry *rb = *(const Registry *const *) b;
  return strcmp (ra->prefix, rb->prefix);
}

/* Version 1: lists of registries that are searched, insecure or blocked. */
static gboolean
read_v1 (SkoposRegistriesConf *conf, JsonObject *v1, const char *origin, GError **error)
{
  static const char *const tables[] = { "block", "insecure", "search" };
  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      JsonNode *node = json_object_get_member (v1, tables[t]);
      if (node == NULL)
        continue;
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                             "%s: [registries.%s] must be a table", origin, tables[t]);
      g_autofree char *where = g_strdup_printf ("[registries.%s] ", tables[t]);
      g_auto (GStrv) list = NULL;
      if (!get_strv (json_node_get_object (node), "registries", where, origin, &list, error))
        return FALSE;
      if (list == NULL)
        continue;

      if (g_str_equal (tables[t], "search"))
        {
          g_strfreev (conf->search);
          conf->search = g_steal_pointer (&list);
          continue;
        }
      for (guint i = 0; list[i] != NULL; i++)
        {
          g_autofree char *location = g_strdup (list[i]);
          if (!clean_location (&location, origin, error))
            return FALSE;
          Registry *r = NULL;
          for (guint j = 0; j < conf->registries->len && r == NULL; j++)
            if (g_str_equal (((Registry *) conf->registries->pdata[j])->prefix, location))
              r = conf->registries->pdata[j];
          if (r == NULL)
            {
              r = registry_new ();
              r->prefix = g_strdup (location);
              r->endpoint.location = g_strdup (location);
              g_ptr_array_add (conf->registries, r);
            }
          if (g_str_equal (tables[t], "block"))
            r->blocked = TRUE;
          else
            r->endpoint.insecure = TRUE;
        }
    }
  return TRUE;
}

static gboolean
has_v2_content (JsonObject *root)
{
  static const char *const keys[] = { "registry", "unqualified-search-registries",
                                      "credential-helpers", "short-name-mode", "aliases" };
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (json_object_has_member (root, keys[i]))
      return TRUE;
  return FALSE;
}

static SkoposRegistriesConf *
conf_from_tree (JsonObject *root, const char *origin, gboolean force_v2, GError **error)
{
  g_autoptr (SkoposRegistriesConf) conf = conf_new (origin);

  JsonNode *v1 = json_object_get_member (root, "registries");
  if (v1 != NULL)
    {
      if (force_v2)
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                        "%s: a drop-in file must use the version 2 format, not [registries.*]",
                        origin);
          return NULL;
        }
      if (has_v2_content (root))
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                        "%s: mixing the version 1 format ([registries.*]) with version 2 is not "
                        "supported",
                        origin);
          return NULL;
        }
      if (!JSON_NODE_HOLDS_OBJECT (v1))
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: 'registries' must be a table",
                        origin);
          return NULL;
        }
      if (!read_v1 (conf, json_node_get_object (v1), origin, error))
        return NULL;
    }

  JsonNode *list = json_object_get_member (root, "registry");
  if (list != NULL)
    {
      if (!JSON_NODE_HOLDS_ARRAY (list))
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                        "%s: registry must be a list of tables ([[registry]])", origin);
          return NULL;
        }
      JsonArray *array = json_node_get_array (list);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);
          if (!JSON_NODE_HOLDS_OBJECT (node))
            {
              skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                            "%s: [[registry]] #%u is not a table", origin, i + 1);
              return NULL;
            }
          Registry *r = read_registry (json_node_get_object (node), i, origin, error);
          if (r == NULL)
            return NULL;
          g_ptr_array_add (conf->registries, r);
        }
    }

  if (!get_strv (root, "unqualified-search-registries", "", origin, &conf->search, error)
      || !get_strv (root, "credential-helpers", "", origin, &conf->helpers, error))
    return NULL;

  /* Entries for one location must agree; the first of a prefix wins. */
  for (guint i = 0; i < conf->registries->len; i++)
    for (guint j = i + 1; j < conf->registries->len; j++)
      {
        Registry *a = conf->registries->pdata[i];
        Registry *b = conf->registries->pdata[j];
        const char *ka = a->endpoint.location != NULL ? a->endpoint.location : a->prefix;
        const char *kb = b->endpoint.location != NULL ? b->endpoint.location : b->prefix;
        if (!g_str_equal (ka, kb))
          continue;
        if (a->endpoint.insecure != b->endpoint.insecure)
          {
            skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                          "%s: registry '%s' is defined several times with conflicting "
                          "'insecure' settings",
                          origin, ka);
            return NULL;
          }
        if (a->blocked != b->blocked)
          {
            skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                          "%s: registry '%s' is defined several times with conflicting "
                          "'blocked' settings",
                          origin, ka);
            return NULL;
          }
      }
  for (guint i = 0; i < conf->registries->len; i++)
    for (guint j = i + 1; j < conf->registries->len;)
      {
        Registry *a = conf->registries->pdata[i];
        Registry *b = conf->registries->pdata[j];
        if (g_str_equal (a->prefix, b->prefix))
          g_ptr_array_remove_index (conf->registries, j);
        else
          j++;
      }
  g_ptr_array_sort (conf->registries, compare_registries);
  return g_steal_pointer (&conf);
}

static SkoposRegistriesConf *
parse_text (const char *text, const char *origin, gboolean force_v2, GError **error)
{
  g_autoptr (JsonNode) tree = _skopos_toml_parse (text, origin, error);
  if (tree == NULL)
    return NULL;
  return conf_from_tree (json_node_get_object (tree), origin, force_v2, error);
}

SkoposRegistriesConf *
skopos_registries_conf_parse (const char *text, const char *origin, GError **error)
{
  return parse_text (text, origin, FALSE, error);
}

void
skopos_registries_conf_merge (SkoposRegistriesConf *conf, const SkoposRegistriesConf *dropin)
{
  for (guint i = 0; i < dropin->registries->len; i++)
    {
      const Registry *update = dropin->registries->pdata[i];
      gboolean replaced = FALSE;
      for (guint j = 0; j < conf->registries->len && !replaced; j++)
        {
          Registry *r = conf->registries->pdata[j];
          if (g_str_equal (r->prefix, update->prefix))
            {
              registry_free (r);
              conf->registries->pdata[j] = registry_copy (update);
              replaced = TRUE;
            }
        }
      if (!replaced)
        g_ptr_array_add (conf->registries, registry_copy (update));
    }
  g_ptr_array_sort (conf->registries, compare_registries);

  if (dropin->search != NULL)
    {
      g_strfreev (conf->search);
      conf->search = g_strdupv (dropin->search);
    }
  if (dropin->helpers != NULL)
    {
      g_strfreev (conf->helpers);
      conf->helpers = g_strdupv (dropin->helpers);
    }

  g_autofree char *origin = conf->origin;
  conf->origin = g_strdup_printf ("%s, %s", origin, dropin->origin);
}

/* ---- Loading -------------------------------------------------------------------------- */

static const char *
home_dir (void)
{
  const char *home = g_getenv ("HOME");
  return home != NULL && *home != '\0' ? home : g_get_home_dir ();
}

static SkoposRegistriesConf *
load_file (const char *path, gboolean must_exist, gboolean force_v2, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local_error = NULL;
  if (!g_file_get_contents (path, &text, NULL, &local_error))
    {
      if (!must_exist && g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return conf_new (path);
      skopos_throw (error, SKOPOS_ERROR_FAILED, "loading registries configuration '%s': %s",
                    path, local_error->message);
      return NULL;
    }
  g_debug ("Loading registries configuration '%s'", path);
  return parse_text (text, path, force_v2, error);
}

/* The *.conf files of @dir, in name order, appended to @out. */
static void
list_dropins (const char *dir, GPtrArray *out)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".conf"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, names->pdata[i], NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (out, g_steal_pointer (&path));
    }
}

SkoposRegistriesConf *
skopos_registries_conf_load (SkoposContext *ctx, GError **error)
{
  const char *user_path = skopos_context_get_string (ctx, SKOPOS_CONTEXT_REGISTRIES_CONF);
  if (user_path == NULL || *user_path == '\0')
    user_path = g_getenv ("CONTAINERS_REGISTRIES_CONF");
  if (user_path != NULL && *user_path == '\0')
    user_path = NULL;

  g_autofree char *main_path = NULL;
  g_autoptr (GPtrArray) dropin_dirs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *home_conf = g_build_filename (home_dir (), ".config", "containers",
                                                 "registries.conf", NULL);
  g_autofree char *home_dropins = g_build_filename (home_dir (), ".config", "containers",
                                                    "registries.conf.d", NULL);
  if (user_path != NULL)
    {
      main_path = g_strdup (user_path);
      g_autofree char *dir = g_path_get_dirname (user_path);
      g_ptr_array_add (dropin_dirs, g_build_filename (dir, "registries.conf.d", NULL));
    }
  else if (g_file_test (home_conf, G_FILE_TEST_EXISTS))
    {
      main_path = g_strdup (home_conf);
      g_ptr_array_add (dropin_dirs, g_strdup (home_dropins));
    }
  else
    {
      main_path = g_strdup ("/etc/containers/registries.conf");
      g_ptr_array_add (dropin_dirs, g_strdup ("/etc/containers/registries.conf.d"));
      g_ptr_array_add (dropin_dirs, g_strdup (home_dropins));
    }

  g_autoptr (SkoposRegistriesConf) conf = load_file (main_path, user_path != NULL, FALSE, error);
  if (conf == NULL)
    return NULL;

  g_autoptr (GPtrArray) dropins = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < dropin_dirs->len; i++)
    list_dropins (dropin_dirs->pdata[i], dropins);
  for (guint i = 0; i < dropins->len; i++)
    {
      g_autoptr (SkoposRegistriesConf) dropin = load_file (dropins->pdata[i], TRUE, TRUE, error);
      if (dropin == NULL)
        return NULL;
      skopos_registries_conf_merge (conf, dropin);
    }
  return g_steal_pointer (&conf);
}

/* ---- Matching ------------------------------------------------------------------------- */

/* The length of @ref that @prefix matches, or -1. */
static gssize
match_prefix (const char *ref, const char *prefix)
{
  if (g_str_has_prefix (prefix, "*."))
    {
      const char *suffix = prefix + 1; /* ".example.com" */
      const char *found = strstr (ref, suffix);
      if (found == NULL)
        return -1;
      /* Only in the host part. */
      if (memchr (ref, '/', found - ref) != NULL)
        return -1;
      gsize end = (found - ref) + strlen (suffix);
      if (ref[end] == '\0' || ref[end] == ':' || ref[end] == '/' || ref[end] == '@')
        return end;
      return -1;
    }

  gsize len = strlen (prefix);
  if (strncmp (ref, prefix, len) != 0)
    return -1;
  if (ref[len] == '\0' || ref[len] == ':' || ref[len] == '/' || ref[len] == '@')
    return len;
  return -1;
}

static Registry *
find_registry (SkoposRegistriesConf *conf, const char *ref, gsize *out_match_len)
{
  Registry *best = NULL;
  gsize best_prefix_len = 0;
  for (guint i = 0; i < conf->registries->len; i++)
    {
      Registry *r = conf->registries->pdata[i];
      gssize n = match_prefix (ref, r->prefix);
      if (n >= 0 && strlen (r->prefix) > best_prefix_len)
        {
          best = r;
          best_prefix_len = strlen (r->prefix);
          if (out_match_len != NULL)
            *out_match_len = n;
        }
    }
  return best;
}

static SkoposPullSource *
rewrite (const char *ref, gsize match_len, const Endpoint *e, gboolean is_mirror)
{
  SkoposPullSource *ps = g_new0 (SkoposPullSource, 1);
  ps->insecure = e->insecure;
  ps->is_mirror = is_mirror;
  if (e->location == NULL || *e->location == '\0')
    ps->reference = g_strdup (ref);
  else
    ps->reference = g_strconcat (e->location, ref + match_len, NULL);
  return ps;
}

GPtrArray *
skopos_registries_conf_pull_sources (SkoposRegistriesConf *conf, const char *reference,
                                     GError **error)
{
  GPtrArray *sources = g_ptr_array_new_with_free_func ((GDestroyNotify) skopos_pull_source_free);
  gsize match_len = 0;
  Registry *r = find_registry (conf, reference, &match_len);

  if (r == NULL)
    {
      SkoposPullSource *ps = g_new0 (SkoposPullSource, 1);
      ps->reference = g_strdup (reference);
      g_ptr_array_add (sources, ps);
      return sources;
    }

  if (r->blocked)
    {
      g_ptr_array_unref (sources);
      skopos_throw (error, SKOPOS_ERROR_BLOCKED, "registry %s is blocked in %s", r->prefix,
                    conf->origin);
      return NULL;
    }

  gboolean by_digest = strchr (reference, '@') != NULL;
  for (guint i = 0; i < r->mirrors->len; i++)
    {
      Endpoint *m = r->mirrors->pdata[i];
      if (r->mirror_by_digest_only && !by_digest)
        continue;
      if (g_strcmp0 (m->pull_from_mirror, "digest-only") == 0 && !by_digest)
        continue;
      if (g_strcmp0 (m->pull_from_mirror, "tag-only") == 0 && by_digest)
        continue;
      g_ptr_array_add (sources, rewrite (reference, match_len, m, TRUE));
    }
  g_ptr_array_add (sources, rewrite (reference, match_len, &r->endpoint, FALSE));
  return sources;
}

gboolean
skopos_registries_conf_check_registry (SkoposRegistriesConf *conf, const char *name,
                                       gboolean *out_insecure, GError **error)
{
  Registry *r = find_registry (conf, name, NULL);
  if (r != NULL && r->blocked)
    return skopos_throw (error, SKOPOS_ERROR_BLOCKED, "registry %s is blocked in %s", r->prefix,
                         conf->origin);
  if (out_insecure != NULL)
    *out_insecure = r != NULL && r->endpoint.insecure;
  return TRUE;
}
