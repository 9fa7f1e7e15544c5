/* skopos-policy.c: policy.json, the trust policy that decides which images may be used.
 *
 * The file is the one the containers tools read, at the same places: the path given,
 * else $HOME/.config/containers/policy.json if it exists, else
 * /etc/containers/policy.json. Its shape:
 *
 *   { "default": [requirements],
 *     "transports": { "<transport>": { "<scope>": [requirements], "": [requirements] } } }
 *
 * Parsing is strict on purpose, as in the containers library: a typo in a security
 * policy must not silently widen it. Unknown or duplicated keys, a missing "default", an
 * empty requirement list, an unknown requirement type or a scope the transport cannot
 * have all fail the load, with the file named in the message.
 *
 * Lookup for an image takes the most specific scope of its transport that exists: the
 * identity itself, then the transport's namespaces (for docker-like transports the
 * repository, its parent namespaces, the registry, then "*.example.com" wildcards; for
 * path-based transports the parent folders), then the transport's "" scope, then
 * "default". Only that one list applies, and every requirement in it must accept, in
 * order. insecureAcceptAnything accepts, reject refuses; the signature requirements are
 * validated when loading but cannot be checked yet, so meeting one fails with
 * SKOPOS_ERROR_NOT_SUPPORTED instead of passing.
 *
 * A loaded policy is read-only and may be shared between threads.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include <skopos/skopos-error.h>
#include <skopos/skopos-docker-reference.h>

#include "skopos-policy-private.h"

#ifndef SKOPOS_SYSTEM_POLICY_PATH
#define SKOPOS_SYSTEM_POLICY_PATH "/etc/containers/policy.json"
#endif

typedef enum
{
  REQUIREMENT_INSECURE_ACCEPT_ANYTHING,
  REQUIREMENT_REJECT,
  REQUIREMENT_SIGNED_BY,
  REQUIREMENT_SIGNED_BASE_LAYER,
  REQUIREMENT_SIGSTORE_SIGNED,
} RequirementType;

static const char *const requirement_names[] = {
  [REQUIREMENT_INSECURE_ACCEPT_ANYTHING] = "insecureAcceptAnything",
  [REQUIREMENT_REJECT] = "reject",
  [REQUIREMENT_SIGNED_BY] = "signedBy",
  [REQUIREMENT_SIGNED_BASE_LAYER] = "signedBaseLayer",
  [REQUIREMENT_SIGSTORE_SIGNED] = "sigstoreSigned",
};

struct _SkoposPolicy
{
  /* Each requirement list is a GArray of RequirementType, never empty. */
  GArray *default_requirements;
  /* transport name -> (scope -> GArray) */
  GHashTable *transports;
};

/* ---- Default path --------------------------------------------------------------- */

static char *
user_policy_path (void)
{
  /* $HOME first, as the containers tools do; g_get_home_dir() would cache it. */
  const char *home = g_getenv ("HOME");

  if (home == NULL || *home == '\0')
    home = g_get_home_dir ();
  return g_build_filename (home, ".config", "containers", "policy.json", NULL);
}

char *
skopos_policy_default_path (void)
{
  g_autofree char *user_path = user_policy_path ();

  if (g_file_test (user_path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&user_path);
  return g_strdup (SKOPOS_SYSTEM_POLICY_PATH);
}

/* ---- Strict JSON ---------------------------------------------------------------- */

/* json-glib keeps the last of duplicated keys and reads several documents one after the
 * other without complaint. Its parser signals let us see both: each object gets a set of
 * the member names seen so far, and every value that closes at depth 0 is a document. */
typedef struct
{
  GPtrArray *member_sets; /* stack of GHashTable, one per open object */
  guint depth;
  guint documents;
  char *duplicate; /* the first duplicated key, if any */
} StrictState;

static void
strict_container_start (JsonParser *parser, gpointer user_data)
{
  StrictState *state = user_data;

  state->depth++;
}

static void
strict_container_end (StrictState *state)
{
  if (state->depth > 0 && --state->depth == 0)
    state->documents++;
}

static void
strict_object_start (JsonParser *parser, gpointer user_data)
{
  StrictState *state = user_data;

  strict_container_start (parser, user_data);
  g_ptr_array_add (state->member_sets,
                   g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL));
}

static void
strict_object_member (JsonParser *parser,
                      JsonObject *object,
                      const char *name,
                      gpointer user_data)
{
  StrictState *state = user_data;
  GHashTable *seen;

  if (state->member_sets->len == 0)
    return;

  seen = g_ptr_array_index (state->member_sets, state->member_sets->len - 1);
  if (!g_hash_table_add (seen, g_strdup (name)) && state->duplicate == NULL)
    state->duplicate = g_strdup (name);
}

static void
strict_object_end (JsonParser *parser, JsonObject *object, gpointer user_data)
{
  StrictState *state = user_data;

  if (state->member_sets->len > 0)
    g_ptr_array_remove_index (state->member_sets, state->member_sets->len - 1);
  strict_container_end (state);
}

static void
strict_array_end (JsonParser *parser, JsonArray *array, gpointer user_data)
{
  strict_container_end (user_data);
}

/* Parses @data into its root node, refusing what the containers tools refuse: anything
 * but one object, and duplicated keys. The message is the reason alone. */
static JsonNode *
parse_strict_json (const char *data, gsize len, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GPtrArray) member_sets = g_ptr_array_new_with_free_func (
      (GDestroyNotify) g_hash_table_unref);
  StrictState state = { member_sets, 0, 0, NULL };
  g_autofree char *duplicate = NULL;
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;
  gboolean ok;

  if (len > G_MAXSSIZE)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "the file is too large");
      return NULL;
    }

  g_signal_connect (parser, "object-start", G_CALLBACK (strict_object_start), &state);
  g_signal_connect (parser, "object-member", G_CALLBACK (strict_object_member), &state);
  g_signal_connect (parser, "object-end", G_CALLBACK (strict_object_end), &state);
  g_signal_connect (parser, "array-start", G_CALLBACK (strict_container_start), &state);
  g_signal_connect (parser, "array-end", G_CALLBACK (strict_array_end), &state);

  ok = json_parser_load_from_data (parser, data, (gssize) len, &local_error);
  duplicate = state.duplicate;

  if (!ok)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s", local_error->message);
      return NULL;
    }
  if (duplicate != NULL)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "duplicate key '%s'", duplicate);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "a JSON object is expected");
      return NULL;
    }
  if (state.documents != 1)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "unexpected data after the JSON object");
      return NULL;
    }

  return json_node_copy (root);
}

/* ---- Requirements --------------------------------------------------------------- */

typedef enum
{
  FIELD_STRING,
  FIELD_STRING_ARRAY,
  FIELD_OBJECT,
} FieldKind;

typedef struct
{
  const char *name;
  FieldKind kind;
} FieldSpec;

static const char *
field_kind_describe (FieldKind kind)
{
  switch (kind)
    {
    case FIELD_STRING:
      return "a string";
    case FIELD_STRING_ARRAY:
      return "an array of strings";
    case FIELD_OBJECT:
      return "an object";
    }
  g_return_val_if_reached ("a value");
}

static gboolean
field_has_kind (JsonNode *node, FieldKind kind)
{
  switch (kind)
    {
    case FIELD_STRING:
      return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
    case FIELD_OBJECT:
      return JSON_NODE_HOLDS_OBJECT (node);
    case FIELD_STRING_ARRAY:
      {
        JsonArray *array;

        if (!JSON_NODE_HOLDS_ARRAY (node))
          return FALSE;
        array = json_node_get_array (node);
        for (guint i = 0; i < json_array_get_length (array); i++)
          if (!field_has_kind (json_array_get_element (array, i), FIELD_STRING))
            return FALSE;
        return TRUE;
      }
    }
  return FALSE;
}

/* Every member of @object must be one of @specs (@n_specs entries) with the right kind. */
static gboolean
check_fields (JsonObject *object,
              const FieldSpec *specs,
              gsize n_specs,
              const char *where,
              GError **error)
{
  g_autoptr (GList) names = json_object_get_members (object);

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      const FieldSpec *spec = NULL;

      for (gsize i = 0; i < n_specs && spec == NULL; i++)
        if (strcmp (specs[i].name, name) == 0)
          spec = &specs[i];

      if (spec == NULL)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: unknown key '%s'", where, name);
      if (!field_has_kind (json_object_get_member (object, name), spec->kind))
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: '%s' must be %s", where, name,
                             field_kind_describe (spec->kind));
    }
  return TRUE;
}

static guint
count_members (JsonObject *object, const char *const *names)
{
  guint n = 0;

  for (; *names != NULL; names++)
    if (json_object_has_member (object, *names))
      n++;
  return n;
}

static gboolean
check_nonempty_arrays (JsonObject *object,
                       const char *const *names,
                       const char *where,
                       GError **error)
{
  for (; *names != NULL; names++)
    if (json_object_has_member (object, *names)
        && json_array_get_length (json_object_get_array_member (object, *names)) == 0)
      return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: '%s' contains no entries", where,
                           *names);
  return TRUE;
}

static gboolean
check_docker_reference (const char *text,
                        gboolean need_tag_or_digest,
                        const char *where,
                        const char *field,
                        GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (SkoposDockerReference) ref = skopos_docker_reference_parse (text, &local_error);

  if (ref == NULL)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: '%s': %s", where, field,
                         local_error->message);
  if (need_tag_or_digest && skopos_docker_reference_is_name_only (ref))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "%s: '%s': '%s' has neither a tag nor a digest", where, field, text);
  return TRUE;
}

/* signedIdentity and baseLayerIdentity: which identities a signature may claim. */
static gboolean
check_reference_match (JsonObject *object, const char *where, GError **error)
{
  static const FieldSpec type_only[] = { { "type", FIELD_STRING } };
  static const FieldSpec exact_reference[] = { { "type", FIELD_STRING },
                                               { "dockerReference", FIELD_STRING } };
  static const FieldSpec exact_repository[] = { { "type", FIELD_STRING },
                                                { "dockerRepository", FIELD_STRING } };
  static const FieldSpec remap_identity[] = { { "type", FIELD_STRING },
                                              { "prefix", FIELD_STRING },
                                              { "signedPrefix", FIELD_STRING } };
  const FieldSpec *specs;
  gsize n_specs;
  const char *type;

  if (!json_object_has_member (object, "type")
      || !field_has_kind (json_object_get_member (object, "type"), FIELD_STRING))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: a string 'type' is required",
                         where);
  type = json_object_get_string_member (object, "type");

  if (strcmp (type, "matchExact") == 0 || strcmp (type, "matchRepoDigestOrExact") == 0
      || strcmp (type, "matchRepository") == 0)
    specs = type_only, n_specs = G_N_ELEMENTS (type_only);
  else if (strcmp (type, "exactReference") == 0)
    specs = exact_reference, n_specs = G_N_ELEMENTS (exact_reference);
  else if (strcmp (type, "exactRepository") == 0)
    specs = exact_repository, n_specs = G_N_ELEMENTS (exact_repository);
  else if (strcmp (type, "remapIdentity") == 0)
    specs = remap_identity, n_specs = G_N_ELEMENTS (remap_identity);
  else
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "%s: unknown policy reference match type '%s'", where, type);

  if (!check_fields (object, specs, n_specs, where, error))
    return FALSE;
  /* Each of these types takes all of its fields. */
  for (gsize i = 0; i < n_specs; i++)
    if (!json_object_has_member (object, specs[i].name))
      return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: '%s' is missing", where,
                           specs[i].name);

  if (strcmp (type, "exactReference") == 0)
    return check_docker_reference (json_object_get_string_member (object, "dockerReference"), TRUE,
                                   where, "dockerReference", error);
  if (strcmp (type, "exactRepository") == 0)
    return check_docker_reference (json_object_get_string_member (object, "dockerRepository"),
                                   FALSE, where, "dockerRepository", error);
  return TRUE;
}

static gboolean
check_optional_reference_match (JsonObject *object,
                                const char *member,
                                const char *where,
                                GError **error)
{
  g_autofree char *inner = NULL;

  if (!json_object_has_member (object, member))
    return TRUE;
  inner = g_strdup_printf ("%s: %s", where, member);
  return check_reference_match (json_object_get_object_member (object, member), inner, error);
}

static gboolean
check_signed_by (JsonObject *object, const char *where, GError **error)
{
  static const FieldSpec specs[] = {
    { "type", FIELD_STRING },       { "keyType", FIELD_STRING },
    { "keyPath", FIELD_STRING },    { "keyPaths", FIELD_STRING_ARRAY },
    { "keyData", FIELD_STRING },    { "signedIdentity", FIELD_OBJECT },
  };
  static const char *const key_sources[] = { "keyPath", "keyPaths", "keyData", NULL };
  static const char *const key_types[] = { "GPGKeys", "signedByGPGKeys", "X509Certificates",
                                           "signedByX509CAs", NULL };
  const char *key_type;

  if (!check_fields (object, specs, G_N_ELEMENTS (specs), where, error))
    return FALSE;

  key_type = json_object_get_string_member_with_default (object, "keyType", "");
  if (!g_strv_contains (key_types, key_type))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: invalid keyType '%s'", where,
                         key_type);
  if (count_members (object, key_sources) != 1)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "%s: exactly one of keyPath, keyPaths and keyData must be specified",
                         where);
  return check_optional_reference_match (object, "signedIdentity", where, error);
}

static gboolean
check_sigstore_signed (JsonObject *object, const char *where, GError **error)
{
  static const FieldSpec specs[] = {
    { "type", FIELD_STRING },
    { "keyPath", FIELD_STRING },
    { "keyPaths", FIELD_STRING_ARRAY },
    { "keyData", FIELD_STRING },
    { "keyDatas", FIELD_STRING_ARRAY },
    { "fulcio", FIELD_OBJECT },
    { "pki", FIELD_OBJECT },
    { "rekorPublicKeyPath", FIELD_STRING },
    { "rekorPublicKeyPaths", FIELD_STRING_ARRAY },
    { "rekorPublicKeyData", FIELD_STRING },
    { "rekorPublicKeyDatas", FIELD_STRING_ARRAY },
    { "signedIdentity", FIELD_OBJECT },
  };
  static const char *const key_sources[] = { "keyPath", "keyPaths", "keyData", "keyDatas",
                                             "fulcio",  "pki",      NULL };
  static const char *const rekor_sources[] = { "rekorPublicKeyPath", "rekorPublicKeyPaths",
                                               "rekorPublicKeyData", "rekorPublicKeyDatas", NULL };
  static const char *const arrays[] = { "keyPaths", "keyDatas", "rekorPublicKeyPaths",
                                        "rekorPublicKeyDatas", NULL };
  guint n_rekor;

  if (!check_fields (object, specs, G_N_ELEMENTS (specs), where, error))
    return FALSE;
  if (!check_nonempty_arrays (object, arrays, where, error))
    return FALSE;

  if (count_members (object, key_sources) != 1)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "%s: exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio and pki "
                         "must be specified",
                         where);
  n_rekor = count_members (object, rekor_sources);
  if (n_rekor > 1)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "%s: at most one of rekorPublicKeyPath, rekorPublicKeyPaths, "
                         "rekorPublicKeyData and rekorPublicKeyDatas can be used",
                         where);
  if (json_object_has_member (object, "fulcio") && n_rekor == 0)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "%s: fulcio needs one of rekorPublicKeyPath, rekorPublicKeyPaths, "
                         "rekorPublicKeyData and rekorPublicKeyDatas",
                         where);
  if (json_object_has_member (object, "pki") && n_rekor > 0)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "%s: rekor public keys cannot be used with pki", where);
  return check_optional_reference_match (object, "signedIdentity", where, error);
}

static gboolean
parse_requirement (JsonNode *node, const char *where, RequirementType *out_type, GError **error)
{
  static const FieldSpec type_only[] = { { "type", FIELD_STRING } };
  static const FieldSpec base_layer[] = { { "type", FIELD_STRING },
                                          { "baseLayerIdentity", FIELD_OBJECT } };
  JsonObject *object;
  const char *type;
  gboolean ok = FALSE;
  guint i;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: a requirement must be an object",
                         where);
  object = json_node_get_object (node);
  if (!json_object_has_member (object, "type")
      || !field_has_kind (json_object_get_member (object, "type"), FIELD_STRING))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: a string 'type' is required",
                         where);
  type = json_object_get_string_member (object, "type");

  for (i = 0; i < G_N_ELEMENTS (requirement_names); i++)
    if (strcmp (requirement_names[i], type) == 0)
      break;
  if (i == G_N_ELEMENTS (requirement_names))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "%s: unknown policy requirement type '%s'", where, type);

  switch ((RequirementType) i)
    {
    case REQUIREMENT_INSECURE_ACCEPT_ANYTHING:
    case REQUIREMENT_REJECT:
      ok = check_fields (object, type_only, G_N_ELEMENTS (type_only), where, error);
      break;
    case REQUIREMENT_SIGNED_BY:
      ok = check_signed_by (object, where, error);
      break;
    case REQUIREMENT_SIGSTORE_SIGNED:
      ok = check_sigstore_signed (object, where, error);
      break;
    case REQUIREMENT_SIGNED_BASE_LAYER:
      ok = check_fields (object, base_layer, G_N_ELEMENTS (base_layer), where, error);
      if (ok && !json_object_has_member (object, "baseLayerIdentity"))
        ok = skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: 'baseLayerIdentity' is missing",
                           where);
      if (ok)
        ok = check_optional_reference_match (object, "baseLayerIdentity", where, error);
      break;
    }
  if (!ok)
    return FALSE;

  *out_type = (RequirementType) i;
  return TRUE;
}

static GArray *
parse_requirements (JsonNode *node, const char *where, GError **error)
{
  g_autoptr (GArray) requirements = g_array_new (FALSE, FALSE, sizeof (RequirementType));
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "%s: a list of requirements is expected", where);
      return NULL;
    }
  array = json_node_get_array (node);
  /* An empty list would accept everything without anyone having said so. */
  if (json_array_get_length (array) == 0)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "%s: the list of requirements must not be empty", where);
      return NULL;
    }

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *item_where = g_strdup_printf ("%s: requirement %u", where, i + 1);
      RequirementType type;

      if (!parse_requirement (json_array_get_element (array, i), item_where, &type, error))
        return NULL;
      g_array_append_val (requirements, type);
    }
  return g_steal_pointer (&requirements);
}

/* ---- Scopes --------------------------------------------------------------------- */

static gboolean
transport_is_docker_like (const char *transport_name)
{
  return strcmp (transport_name, "docker") == 0 || strcmp (transport_name, "docker-daemon") == 0
         || strcmp (transport_name, "atomic") == 0;
}

static gboolean
transport_is_path_based (const char *transport_name)
{
  static const char *const names[] = { "dir", "oci", "oci-archive", "sif", NULL };

  return g_strv_contains (names, transport_name);
}

static gboolean
transport_has_only_default_scope (const char *transport_name)
{
  return strcmp (transport_name, "docker-archive") == 0 || strcmp (transport_name, "tarball") == 0;
}

/* An absolute path in its shortest form, other than "/". */
static gboolean
path_is_canonical (const char *path)
{
  g_auto (GStrv) parts = NULL;

  if (path[0] != '/' || path[1] == '\0')
    return FALSE;

  parts = g_strsplit (path + 1, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0 || strcmp (parts[i], "..") == 0)
      return FALSE;
  return TRUE;
}

/* "algo:hex": docker-daemon image IDs, which cannot be namespaced. */
static gboolean
looks_like_digest (const char *text)
{
  const char *colon = strchr (text, ':');
  gsize hex_len;

  if (colon == NULL || colon == text)
    return FALSE;
  for (const char *p = text; p < colon; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-_+.", *p) == NULL)
      return FALSE;
  hex_len = strlen (colon + 1);
  if (hex_len < 32)
    return FALSE;
  for (gsize i = 0; i < hex_len; i++)
    if (!g_ascii_isxdigit (colon[1 + i]))
      return FALSE;
  return TRUE;
}

/* "[driver@/root]..." or "[/root]...": the store must be named, with an absolute root. */
static gboolean
storage_scope_is_valid (const char *scope)
{
  const char *close = strchr (scope, ']');
  g_autofree char *spec = NULL;
  const char *root;

  if (scope[0] != '[' || close == NULL || close == scope + 1)
    return FALSE;
  spec = g_strndup (scope + 1, close - scope - 1);
  root = strchr (spec, '@');
  if (root != NULL)
    {
      if (root == spec)
        return FALSE;
      root++;
    }
  else
    root = spec;
  return g_path_is_absolute (root);
}

/* What each transport accepts as a scope, as its containers-library counterpart checks.
 * Transports skopos does not know take any scope, as there. */
static gboolean
validate_scope (const char *transport_name, const char *scope, const char *where, GError **error)
{
  if (*scope == '\0')
    return TRUE;

  if (transport_has_only_default_scope (transport_name))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "%s: scope '%s': %s does not support any scope but the default \"\"",
                         where, scope, transport_name);

  if (transport_is_path_based (transport_name))
    {
      if (strcmp (scope, "/") == 0)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                             "%s: scope '/' is not allowed: use the default scope \"\"", where);
      if (!path_is_canonical (scope))
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                             "%s: scope '%s' must be an absolute path in canonical form", where,
                             scope);
    }

  if (strcmp (transport_name, "docker-daemon") == 0 && looks_like_digest (scope))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "%s: scope '%s': an image ID cannot be used as a namespace", where, scope);

  if (strcmp (transport_name, "containers-storage") == 0 && !storage_scope_is_valid (scope))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "%s: scope '%s' must start with [driver@/graph/root] or [/graph/root]",
                         where, scope);

  return TRUE;
}

static void
requirements_free (gpointer requirements)
{
  g_array_unref (requirements);
}

static GHashTable *
parse_transport_scopes (const char *transport_name,
                        JsonNode *node,
                        const char *where,
                        GError **error)
{
  g_autoptr (GHashTable) scopes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         requirements_free);
  g_autoptr (GList) names = NULL;
  JsonObject *object;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: an object of scopes is expected",
                    where);
      return NULL;
    }
  object = json_node_get_object (node);

  names = json_object_get_members (object);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *scope = l->data;
      g_autofree char *scope_where = g_strdup_printf ("%s: scope \"%s\"", where, scope);
      GArray *requirements;

      if (!validate_scope (transport_name, scope, where, error))
        return NULL;
      requirements = parse_requirements (json_object_get_member (object, scope), scope_where,
                                         error);
      if (requirements == NULL)
        return NULL;
      g_hash_table_insert (scopes, g_strdup (scope), requirements);
    }
  return g_steal_pointer (&scopes);
}

static gboolean
parse_transports (SkoposPolicy *policy, JsonNode *node, GError **error)
{
  g_autoptr (GList) names = NULL;
  JsonObject *object;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "'transports' must be an object of transports");
  object = json_node_get_object (node);

  names = json_object_get_members (object);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      g_autofree char *where = g_strdup_printf ("transport \"%s\"", name);
      GHashTable *scopes = parse_transport_scopes (name, json_object_get_member (object, name),
                                                   where, error);

      if (scopes == NULL)
        return FALSE;
      g_hash_table_insert (policy->transports, g_strdup (name), scopes);
    }
  return TRUE;
}

/* ---- Construction --------------------------------------------------------------- */

static SkoposPolicy *
policy_new (void)
{
  SkoposPolicy *policy = g_new0 (SkoposPolicy, 1);

  policy->transports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_hash_table_unref);
  return policy;
}

void
skopos_policy_free (SkoposPolicy *policy)
{
  if (policy == NULL)
    return;

  g_clear_pointer (&policy->default_requirements, g_array_unref);
  g_clear_pointer (&policy->transports, g_hash_table_unref);
  g_free (policy);
}

static SkoposPolicy *
policy_parse (const char *data, gsize len, GError **error)
{
  g_autoptr (SkoposPolicy) policy = policy_new ();
  g_autoptr (JsonNode) root = parse_strict_json (data, len, error);
  g_autoptr (GList) names = NULL;
  JsonObject *object;

  if (root == NULL)
    return NULL;
  object = json_node_get_object (root);

  names = json_object_get_members (object);
  for (GList *l = names; l != NULL; l = l->next)
    if (strcmp (l->data, "default") != 0 && strcmp (l->data, "transports") != 0)
      {
        skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "unknown key '%s'",
                      (const char *) l->data);
        return NULL;
      }

  if (!json_object_has_member (object, "default"))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "the \"default\" policy is missing");
      return NULL;
    }
  policy->default_requirements = parse_requirements (json_object_get_member (object, "default"),
                                                     "\"default\"", error);
  if (policy->default_requirements == NULL)
    return NULL;

  if (json_object_has_member (object, "transports")
      && !parse_transports (policy, json_object_get_member (object, "transports"), error))
    return NULL;

  return g_steal_pointer (&policy);
}

SkoposPolicy *
skopos_policy_new_from_data (const char *json, gsize len, const char *origin, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  SkoposPolicy *policy;

  g_return_val_if_fail (json != NULL || len == 0, NULL);

  policy = policy_parse (json != NULL ? json : "", len, &local_error);
  if (policy == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "invalid policy in '%s': ",
                                  origin != NULL ? origin : "(data)");
      return NULL;
    }
  return policy;
}

SkoposPolicy *
skopos_policy_load (const char *path, GError **error)
{
  g_autofree char *default_path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr (GError) local_error = NULL;
  gsize len = 0;

  if (path == NULL)
    path = default_path = skopos_policy_default_path ();

  g_debug ("reading policy '%s'", path);
  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      /* With no path given, say where both files were looked for. */
      if (default_path != NULL
          && g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_autofree char *user_path = user_policy_path ();

          {
            skopos_throw (error, SKOPOS_ERROR_FAILED,
                          "no policy.json file found at any of the following: '%s', '%s'",
                          user_path, default_path);
            return NULL;
          }
        }
      {
        skopos_throw (error, SKOPOS_ERROR_FAILED, "reading policy '%s': %s", path,
                      local_error->message);
        return NULL;
      }
    }

  return skopos_policy_new_from_data (contents, len, path, error);
}

SkoposPolicy *
skopos_policy_new_insecure_accept_anything (void)
{
  SkoposPolicy *policy = policy_new ();
  RequirementType accept = REQUIREMENT_INSECURE_ACCEPT_ANYTHING;

  policy->default_requirements = g_array_new (FALSE, FALSE, sizeof (RequirementType));
  g_array_append_val (policy->default_requirements, accept);
  return policy;
}

/* ---- Lookup --------------------------------------------------------------------- */

/* Cuts @s at the first @c, if any. */
static void
truncate_at (char *s, char c)
{
  char *p = strchr (s, c);

  if (p != NULL)
    *p = '\0';
}

/* docker.io/library/busybox:latest -> docker.io/library/busybox, docker.io/library,
 * docker.io, then *.io: the repository, its parents down to the registry, then wildcards
 * over the registry's parent domains (without the port). */
static void
add_docker_namespaces (GPtrArray *out, const char *identity)
{
  g_autofree char *name = g_strdup (identity);
  char *at = strchr (name, '@');
  char *last_slash;
  char *domain;
  char *dot;

  if (at != NULL)
    *at = '\0';
  last_slash = strrchr (name, '/');
  if (last_slash != NULL)
    truncate_at (last_slash, ':');

  for (;;)
    {
      g_ptr_array_add (out, g_strdup (name));
      last_slash = strrchr (name, '/');
      if (last_slash == NULL)
        break;
      *last_slash = '\0';
    }

  domain = name;
  truncate_at (domain, ':');
  for (dot = strchr (domain, '.'); dot != NULL; dot = strchr (dot + 1, '.'))
    g_ptr_array_add (out, g_strconcat ("*", dot, NULL));
}

/* /srv/images/app -> /srv/images, /srv (never "/": that is what "" is for). */
static void
add_path_namespaces (GPtrArray *out, const char *identity)
{
  g_autofree char *path = g_strdup (identity);

  for (;;)
    {
      char *last_slash = strrchr (path, '/');

      if (last_slash == NULL || last_slash == path)
        break;
      *last_slash = '\0';
      g_ptr_array_add (out, g_strdup (path));
    }
}

static gboolean
is_image_id (const char *text)
{
  if (strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

/* [driver@/root]name:tag@digest@id -> [driver@/root]name:tag@digest (without the ID),
 * [driver@/root]name:tag (when there is a digest too), the repository and its parents,
 * then the whole store and the store without its driver. */
static void
add_storage_namespaces (GPtrArray *out, const char *identity)
{
  const char *close = strchr (identity, ']');
  g_autofree char *store = NULL;
  g_autofree char *driverless = NULL;
  g_autofree char *named = NULL;
  const char *root;
  gboolean has_id = FALSE;

  if (identity[0] != '[' || close == NULL)
    return;

  store = g_strndup (identity, close + 1 - identity);
  root = memchr (identity, '@', close - identity);
  if (root != NULL)
    driverless = g_strdup_printf ("[%.*s]", (int) (close - root - 1), root + 1);
  else
    driverless = g_strdup (store);

  named = g_strdup (close + 1);
  {
    char *last_at = strrchr (named, '@');

    if (last_at != NULL && is_image_id (last_at + 1))
      {
        *last_at = '\0';
        has_id = TRUE;
      }
  }

  if (*named != '\0')
    {
      char *at = strchr (named, '@');
      char *last_slash;

      if (has_id)
        g_ptr_array_add (out, g_strconcat (store, named, NULL));
      if (at != NULL)
        {
          *at = '\0';
          last_slash = strrchr (named, '/');
          if (last_slash != NULL && strchr (last_slash, ':') != NULL)
            g_ptr_array_add (out, g_strconcat (store, named, NULL));
        }
      last_slash = strrchr (named, '/');
      if (last_slash != NULL)
        truncate_at (last_slash, ':');

      for (;;)
        {
          g_ptr_array_add (out, g_strconcat (store, named, NULL));
          last_slash = strrchr (named, '/');
          if (last_slash == NULL)
            break;
          *last_slash = '\0';
        }
    }

  g_ptr_array_add (out, g_steal_pointer (&store));
  if (strcmp (driverless, g_ptr_array_index (out, out->len - 1)) != 0)
    g_ptr_array_add (out, g_steal_pointer (&driverless));
}

char **
_skopos_policy_dup_namespaces (const char *transport_name, const char *identity)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) unique = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (transport_name != NULL && identity != NULL, NULL);

  /* An empty identity (an image ID, an archive) only has the transport's "" scope. */
  if (*identity != '\0')
    {
      if (transport_is_docker_like (transport_name))
        add_docker_namespaces (out, identity);
      else if (transport_is_path_based (transport_name))
        add_path_namespaces (out, identity);
      else if (strcmp (transport_name, "containers-storage") == 0)
        add_storage_namespaces (out, identity);
    }

  /* The identity itself is tried first anyway (a docker reference without tag or digest
   * is its own repository). */
  for (guint i = 0; i < out->len; i++)
    {
      const char *scope = g_ptr_array_index (out, i);

      if (strcmp (scope, identity) != 0)
        g_ptr_array_add (unique, g_strdup (scope));
    }
  g_ptr_array_add (unique, NULL);
  return (char **) g_ptr_array_steal (unique, NULL);
}

static GArray *
requirements_for (SkoposPolicy *policy, const char *transport_name, const char *identity)
{
  GHashTable *scopes = g_hash_table_lookup (policy->transports, transport_name);
  g_auto (GStrv) namespaces = NULL;
  GArray *requirements;

  if (scopes == NULL)
    {
      g_debug ("policy: no scopes for transport '%s', using \"default\"", transport_name);
      return policy->default_requirements;
    }

  requirements = g_hash_table_lookup (scopes, identity);
  if (requirements != NULL)
    {
      g_debug ("policy: %s scope '%s' matches", transport_name, identity);
      return requirements;
    }

  namespaces = _skopos_policy_dup_namespaces (transport_name, identity);
  for (guint i = 0; namespaces[i] != NULL; i++)
    {
      requirements = g_hash_table_lookup (scopes, namespaces[i]);
      if (requirements != NULL)
        {
          g_debug ("policy: %s scope '%s' matches '%s'", transport_name, namespaces[i], identity);
          return requirements;
        }
    }

  requirements = g_hash_table_lookup (scopes, "");
  if (requirements != NULL)
    {
      g_debug ("policy: %s default scope \"\" applies to '%s'", transport_name, identity);
      return requirements;
    }

  g_debug ("policy: no %s scope matches '%s', using \"default\"", transport_name, identity);
  return policy->default_requirements;
}

/* @image_name names the image in messages ("docker://busybox:latest"), as skopeo does. */
static gboolean
check_identity (SkoposPolicy *policy,
                const char *transport_name,
                const char *identity,
                const char *image_name,
                GError **error)
{
  GArray *requirements = requirements_for (policy, transport_name, identity);

  for (guint i = 0; i < requirements->len; i++)
    {
      RequirementType type = g_array_index (requirements, RequirementType, i);

      switch (type)
        {
        case REQUIREMENT_INSECURE_ACCEPT_ANYTHING:
          g_debug ("policy: requirement %u (%s) accepts %s", i + 1, requirement_names[type],
                   image_name);
          break;
        case REQUIREMENT_REJECT:
          return skopos_throw (error, SKOPOS_ERROR_POLICY_REJECTED,
                               "Source image rejected: Running image %s is rejected by policy.",
                               image_name);
        case REQUIREMENT_SIGNED_BY:
        case REQUIREMENT_SIGNED_BASE_LAYER:
        case REQUIREMENT_SIGSTORE_SIGNED:
          /* Never pass what cannot be checked. */
          return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                               "policy requirement '%s' is not supported yet (needed for %s)",
                               requirement_names[type], image_name);
        }
    }

  /* Lists are never empty, so at least one requirement accepted. */
  return TRUE;
}

gboolean
_skopos_policy_check_identity (SkoposPolicy *policy,
                               const char *transport_name,
                               const char *identity,
                               GError **error)
{
  g_autofree char *image_name = NULL;

  g_return_val_if_fail (policy != NULL, FALSE);
  g_return_val_if_fail (transport_name != NULL, FALSE);

  if (identity == NULL)
    identity = "";
  image_name = g_strconcat (transport_name, ":", identity, NULL);
  return check_identity (policy, transport_name, identity, image_name, error);
}

gboolean
skopos_policy_check_image (SkoposPolicy *policy, SkoposImageReference *ref, GError **error)
{
  const char *transport_name;
  g_autofree char *identity = NULL;
  g_autofree char *image_name = NULL;

  g_return_val_if_fail (policy != NULL, FALSE);
  g_return_val_if_fail (ref != NULL, FALSE);

  transport_name = skopos_transport_get_name (skopos_image_reference_get_transport (ref));
  identity = skopos_image_reference_dup_policy_identity (ref);
  image_name = skopos_image_reference_to_string (ref);
  return check_identity (policy, transport_name, identity != NULL ? identity : "", image_name,
                         error);
}
