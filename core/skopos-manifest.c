/* skopos-manifest.c: reading manifests and manifest lists.
 *
 * Six document types are understood: Docker schema 1 (signed and unsigned, read only),
 * Docker schema 2 manifests and manifest lists, OCI image manifests and indexes. A
 * transport usually knows the type (a Content-Type header, a layout's descriptor); when
 * it does not, the type is guessed from the document the way containers/image guesses
 * it, so skopos and skopeo agree on what a file is.
 *
 * Parsing is stricter than containers/image where being lax would only let a broken
 * document travel further: every digest must be a valid sha256 or sha512 digest, every
 * size a non-negative integer, schemaVersion must be right, and a mediaType field must
 * agree with the type the caller gave. Fields that select another format ("manifests"
 * in an image manifest, "layers" in an index, ...) are refused as ambiguous, as
 * upstream does. Every error is SKOPOS_ERROR_INVALID_MANIFEST with one line naming the
 * type and the offending field.
 *
 * A parsed SkoposManifest keeps the bytes it came from in ->raw: copying an image
 * unchanged must write those exact bytes, never a re-serialisation, or the digest
 * changes. Functions that edit a manifest drop ->raw for that reason.
 *
 * Digests: a manifest's digest is the hash of its bytes, except for signed schema 1,
 * whose digest covers the JWS payload: the document cut at the protected header's
 * formatLength, followed by its base64url-decoded formatTail (what libtrust calls the
 * payload; registries name such manifests by it).
 *
 * Nothing here keeps global state; all functions are thread-safe on distinct objects.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include <skopos/skopos-digest.h>
#include <skopos/skopos-error.h>
#include <skopos/skopos-manifest.h>

#include "skopos-manifest-private.h"

/* ---- media types ------------------------------------------------------------------- */

gboolean
skopos_media_type_is_list (const char *media_type)
{
  return g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2_LIST) == 0
         || g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_OCI_INDEX) == 0;
}

gboolean
skopos_media_type_is_manifest (const char *media_type)
{
  return g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S1) == 0
         || g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S1_SIGNED) == 0
         || g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S2) == 0
         || g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_OCI_MANIFEST) == 0
         || skopos_media_type_is_list (media_type);
}

gboolean
_skopos_media_type_is_image_config (const char *media_type)
{
  return g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_CONFIG) == 0
         || g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_OCI_CONFIG) == 0;
}

/* Layer media types that differ only in compression; NULL where the format has no such
 * type (Docker schema 2 has no zstd, containers/image refuses the unofficial one). */
typedef struct
{
  const char *uncompressed;
  const char *gzip;
  const char *zstd;
} LayerTypeFamily;

static const LayerTypeFamily layer_families[] = {
  { SKOPOS_MEDIA_TYPE_DOCKER_LAYER, SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP, NULL },
  { SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER, SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER_GZIP, NULL },
  { SKOPOS_MEDIA_TYPE_OCI_LAYER, SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP,
    SKOPOS_MEDIA_TYPE_OCI_LAYER_ZSTD },
  { SKOPOS_MEDIA_TYPE_OCI_LAYER_ND, SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_GZIP,
    SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_ZSTD },
};

SkoposCompression
skopos_media_type_get_compression (const char *layer_media_type)
{
  if (layer_media_type == NULL)
    return SKOPOS_COMPRESSION_UNKNOWN;

  /* The unofficial Docker zstd type is not in a family (nothing may produce it), but
   * what it says about the bytes is still true. */
  if (strcmp (layer_media_type, SKOPOS_MEDIA_TYPE_DOCKER_LAYER_ZSTD) == 0)
    return SKOPOS_COMPRESSION_ZSTD;

  for (gsize i = 0; i < G_N_ELEMENTS (layer_families); i++)
    {
      const LayerTypeFamily *f = &layer_families[i];

      if (strcmp (layer_media_type, f->uncompressed) == 0)
        return SKOPOS_COMPRESSION_NONE;
      if (strcmp (layer_media_type, f->gzip) == 0)
        return SKOPOS_COMPRESSION_GZIP;
      if (f->zstd != NULL && strcmp (layer_media_type, f->zstd) == 0)
        return SKOPOS_COMPRESSION_ZSTD;
    }
  return SKOPOS_COMPRESSION_UNKNOWN;
}

char *
skopos_media_type_with_compression (const char *layer_media_type, SkoposCompression compression)
{
  if (layer_media_type == NULL)
    return NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (layer_families); i++)
    {
      const LayerTypeFamily *f = &layer_families[i];
      gboolean member = strcmp (layer_media_type, f->uncompressed) == 0
                        || strcmp (layer_media_type, f->gzip) == 0
                        || (f->zstd != NULL && strcmp (layer_media_type, f->zstd) == 0)
                        || (i == 0
                            && strcmp (layer_media_type, SKOPOS_MEDIA_TYPE_DOCKER_LAYER_ZSTD) == 0);

      if (!member)
        continue;

      switch (compression)
        {
        case SKOPOS_COMPRESSION_NONE:
          return g_strdup (f->uncompressed);
        case SKOPOS_COMPRESSION_GZIP:
          return g_strdup (f->gzip);
        case SKOPOS_COMPRESSION_ZSTD:
          return g_strdup (f->zstd);
        case SKOPOS_COMPRESSION_UNKNOWN:
        default:
          return NULL;
        }
    }
  return NULL;
}

static const char *
type_name (const char *media_type)
{
  if (g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S1) == 0)
    return "Docker schema 1 manifest";
  if (g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S1_SIGNED) == 0)
    return "signed Docker schema 1 manifest";
  if (g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S2) == 0)
    return "Docker schema 2 manifest";
  if (g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2_LIST) == 0)
    return "Docker manifest list";
  if (g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_OCI_MANIFEST) == 0)
    return "OCI image manifest";
  if (g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_OCI_INDEX) == 0)
    return "OCI image index";
  return "manifest";
}

/* ---- descriptors and manifests: life cycle ------------------------------------------ */

static GHashTable *
string_map_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static GHashTable *
string_map_copy (GHashTable *map)
{
  GHashTableIter iter;
  gpointer key, value;

  if (map == NULL)
    return NULL;

  GHashTable *copy = string_map_new ();
  g_hash_table_iter_init (&iter, map);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy, g_strdup (key), g_strdup (value));
  return copy;
}

SkoposDescriptor *
skopos_descriptor_new (const char *media_type, const char *digest, gint64 size)
{
  SkoposDescriptor *desc = g_new0 (SkoposDescriptor, 1);

  desc->media_type = g_strdup (media_type);
  desc->digest = g_strdup (digest);
  desc->size = size;
  return desc;
}

SkoposDescriptor *
skopos_descriptor_copy (const SkoposDescriptor *desc)
{
  if (desc == NULL)
    return NULL;

  SkoposDescriptor *copy = skopos_descriptor_new (desc->media_type, desc->digest, desc->size);
  copy->urls = g_strdupv (desc->urls);
  copy->annotations = string_map_copy (desc->annotations);
  copy->platform = skopos_platform_copy (desc->platform);
  copy->artifact_type = g_strdup (desc->artifact_type);
  copy->data = desc->data != NULL ? g_bytes_ref (desc->data) : NULL;
  return copy;
}

void
skopos_descriptor_free (SkoposDescriptor *desc)
{
  if (desc == NULL)
    return;

  g_free (desc->media_type);
  g_free (desc->digest);
  g_strfreev (desc->urls);
  g_clear_pointer (&desc->annotations, g_hash_table_unref);
  skopos_platform_free (desc->platform);
  g_free (desc->artifact_type);
  g_clear_pointer (&desc->data, g_bytes_unref);
  g_free (desc);
}

SkoposManifest *
_skopos_manifest_new (void)
{
  SkoposManifest *m = g_new0 (SkoposManifest, 1);

  m->layers = g_ptr_array_new_with_free_func ((GDestroyNotify) skopos_descriptor_free);
  m->manifests = g_ptr_array_new_with_free_func ((GDestroyNotify) skopos_descriptor_free);
  m->schema1_history = g_ptr_array_new_with_free_func (g_free);
  return m;
}

void
skopos_manifest_free (SkoposManifest *manifest)
{
  if (manifest == NULL)
    return;

  g_free (manifest->media_type);
  skopos_descriptor_free (manifest->config);
  g_clear_pointer (&manifest->layers, g_ptr_array_unref);
  g_clear_pointer (&manifest->manifests, g_ptr_array_unref);
  g_clear_pointer (&manifest->annotations, g_hash_table_unref);
  g_free (manifest->artifact_type);
  skopos_descriptor_free (manifest->subject);
  g_free (manifest->schema1_name);
  g_free (manifest->schema1_tag);
  g_free (manifest->schema1_architecture);
  g_clear_pointer (&manifest->schema1_history, g_ptr_array_unref);
  g_clear_pointer (&manifest->raw, g_bytes_unref);
  g_free (manifest);
}

static void
copy_descriptors (GPtrArray *to, GPtrArray *from)
{
  if (from == NULL)
    return;
  for (guint i = 0; i < from->len; i++)
    g_ptr_array_add (to, skopos_descriptor_copy (from->pdata[i]));
}

SkoposManifest *
skopos_manifest_copy (const SkoposManifest *manifest, gboolean keep_raw)
{
  g_return_val_if_fail (manifest != NULL, NULL);

  SkoposManifest *copy = _skopos_manifest_new ();
  copy->media_type = g_strdup (manifest->media_type);
  copy->schema_version = manifest->schema_version;
  copy->is_list = manifest->is_list;
  copy->config = skopos_descriptor_copy (manifest->config);
  copy_descriptors (copy->layers, manifest->layers);
  copy_descriptors (copy->manifests, manifest->manifests);
  copy->annotations = string_map_copy (manifest->annotations);
  copy->artifact_type = g_strdup (manifest->artifact_type);
  copy->subject = skopos_descriptor_copy (manifest->subject);
  copy->schema1_name = g_strdup (manifest->schema1_name);
  copy->schema1_tag = g_strdup (manifest->schema1_tag);
  copy->schema1_architecture = g_strdup (manifest->schema1_architecture);
  if (manifest->schema1_history != NULL)
    for (guint i = 0; i < manifest->schema1_history->len; i++)
      g_ptr_array_add (copy->schema1_history, g_strdup (manifest->schema1_history->pdata[i]));
  if (keep_raw && manifest->raw != NULL)
    copy->raw = g_bytes_ref (manifest->raw);
  copy->media_type_absent = manifest->media_type_absent;
  return copy;
}

void
skopos_manifest_set_layer (SkoposManifest *manifest, guint index, const SkoposDescriptor *desc)
{
  g_return_if_fail (manifest != NULL && desc != NULL);
  g_return_if_fail (index < manifest->layers->len);

  skopos_descriptor_free (manifest->layers->pdata[index]);
  manifest->layers->pdata[index] = skopos_descriptor_copy (desc);
  g_clear_pointer (&manifest->raw, g_bytes_unref);
}

void
skopos_manifest_set_config (SkoposManifest *manifest, const SkoposDescriptor *desc)
{
  g_return_if_fail (manifest != NULL && desc != NULL);

  skopos_descriptor_free (manifest->config);
  manifest->config = skopos_descriptor_copy (desc);
  g_clear_pointer (&manifest->raw, g_bytes_unref);
}

gboolean
skopos_manifest_list_update_instance (SkoposManifest *list, const char *old_digest,
                                      const char *new_digest, gint64 new_size,
                                      const char *new_media_type, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  SkoposDescriptor *entry = NULL;

  g_return_val_if_fail (list != NULL, FALSE);

  if (!list->is_list)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "a %s has no instances to update", type_name (list->media_type));
  if (!skopos_digest_validate (new_digest, &local_error))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "updating list instance %s: %s", old_digest, local_error->message);
  if (new_size < 0)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "updating list instance %s: invalid size %" G_GINT64_FORMAT,
                         old_digest, new_size);
  if (new_media_type == NULL || *new_media_type == '\0')
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "updating list instance %s: no media type", old_digest);

  for (guint i = 0; i < list->manifests->len && entry == NULL; i++)
    {
      SkoposDescriptor *d = list->manifests->pdata[i];
      if (g_strcmp0 (d->digest, old_digest) == 0)
        entry = d;
    }
  if (entry == NULL)
    return skopos_throw (error, SKOPOS_ERROR_NOT_FOUND,
                         "updating list instance: digest %s not found in the list",
                         old_digest);

  g_free (entry->digest);
  entry->digest = g_strdup (new_digest);
  entry->size = new_size;
  g_free (entry->media_type);
  entry->media_type = g_strdup (new_media_type);
  g_clear_pointer (&list->raw, g_bytes_unref);
  return TRUE;
}

/* ---- JSON access -------------------------------------------------------------------- */

/* Every parse error goes through here so they all read "invalid <type>: <what>". */
static gboolean G_GNUC_PRINTF (3, 4)
invalid (GError **error, const char *media_type, const char *format, ...)
{
  va_list args;
  g_autofree char *what = NULL;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  return skopos_throw (error, SKOPOS_ERROR_INVALID_MANIFEST, "invalid %s: %s",
                       type_name (media_type), what);
}

static gboolean
node_is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
         && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
node_is_integer (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
         && json_node_get_value_type (node) == G_TYPE_INT64;
}

/* A member that is absent or null counts as absent, as it does for Go's decoder. */
static JsonNode *
get_member (JsonObject *obj, const char *key)
{
  JsonNode *node = json_object_get_member (obj, key);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

/* A member present with a value other than null: what the ambiguity checks look for,
 * as Go's decoder leaves a null member unset. */
static gboolean
has_non_null_member (JsonObject *obj, const char *key)
{
  return get_member (obj, key) != NULL;
}

static gboolean
get_optional_string (JsonObject *obj, const char *key, const char *mt, const char *where,
                     char **out, GError **error)
{
  JsonNode *node = get_member (obj, key);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!node_is_string (node))
    return invalid (error, mt, "%s%s\"%s\" is not a string", where, *where ? ": " : "", key);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
get_string_array (JsonObject *obj, const char *key, const char *mt, const char *where,
                  char ***out, GError **error)
{
  JsonNode *node = get_member (obj, key);
  g_autoptr (GStrvBuilder) builder = NULL;

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return invalid (error, mt, "%s: \"%s\" is not an array", where, key);

  JsonArray *array = json_node_get_array (node);
  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      if (!node_is_string (item))
        return invalid (error, mt, "%s: \"%s\"[%u] is not a string", where, key, i);
      g_strv_builder_add (builder, json_node_get_string (item));
    }
  *out = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
get_string_map (JsonObject *obj, const char *key, const char *mt, const char *where,
                GHashTable **out, GError **error)
{
  JsonNode *node = get_member (obj, key);
  g_autoptr (GHashTable) map = NULL;
  g_autoptr (GList) members = NULL;

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, mt, "%s%s\"%s\" is not an object", where, *where ? ": " : "", key);

  JsonObject *map_obj = json_node_get_object (node);
  map = string_map_new ();
  members = json_object_get_members (map_obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *value = json_object_get_member (map_obj, name);

      if (JSON_NODE_HOLDS_NULL (value))
        g_hash_table_insert (map, g_strdup (name), g_strdup (""));
      else if (node_is_string (value))
        g_hash_table_insert (map, g_strdup (name), g_strdup (json_node_get_string (value)));
      else
        return invalid (error, mt, "%s%s\"%s\": value of \"%s\" is not a string", where,
                        *where ? ": " : "", key, name);
    }
  *out = g_steal_pointer (&map);
  return TRUE;
}

static gboolean
parse_platform (JsonNode *node, gboolean docker, const char *mt, const char *where,
                SkoposPlatform **out, GError **error)
{
  g_autoptr (SkoposPlatform) platform = g_new0 (SkoposPlatform, 1);
  g_autofree char *here = g_strdup_printf ("%s: platform", where);

  *out = NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, mt, "%s is not an object", here);

  JsonObject *obj = json_node_get_object (node);
  if (!get_optional_string (obj, "architecture", mt, here, &platform->architecture, error)
      || !get_optional_string (obj, "os", mt, here, &platform->os, error)
      || !get_optional_string (obj, "os.version", mt, here, &platform->os_version, error)
      || !get_string_array (obj, "os.features", mt, here, &platform->os_features, error)
      || !get_optional_string (obj, "variant", mt, here, &platform->variant, error))
    return FALSE;
  if (docker && !get_string_array (obj, "features", mt, here, &platform->features, error))
    return FALSE;

  /* Go leaves absent strings empty; the struct promises non-NULL os and architecture. */
  if (platform->architecture == NULL)
    platform->architecture = g_strdup ("");
  if (platform->os == NULL)
    platform->os = g_strdup ("");
  *out = g_steal_pointer (&platform);
  return TRUE;
}

/* Strict base64: the alphabet (standard or URL-safe), with or without '=' padding as
 * asked. Go's decoders also skip CR and LF. */
static GBytes *
decode_base64 (const char *text, gboolean url_safe, gboolean padded)
{
  g_autoptr (GString) clean = g_string_new (NULL);
  gsize len;

  for (const char *p = text; *p != '\0'; p++)
    {
      char c = *p;
      if (c == '\r' || c == '\n')
        continue;
      if (url_safe && (c == '+' || c == '/'))
        return NULL;
      if (url_safe && c == '-')
        c = '+';
      else if (url_safe && c == '_')
        c = '/';
      else if (!url_safe && (c == '-' || c == '_'))
        return NULL;
      if (!g_ascii_isalnum (c) && c != '+' && c != '/' && c != '=')
        return NULL;
      g_string_append_c (clean, c);
    }

  len = clean->len;
  if (padded)
    {
      gsize pad = 0;
      while (pad < len && clean->str[len - 1 - pad] == '=')
        pad++;
      if (len % 4 != 0 || pad > 2 || memchr (clean->str, '=', len - pad) != NULL)
        return NULL;
    }
  else
    {
      if (strchr (clean->str, '=') != NULL || len % 4 == 1)
        return NULL;
      while (clean->len % 4 != 0)
        g_string_append_c (clean, '=');
    }

  gsize out_len = 0;
  guchar *data = g_base64_decode (clean->str, &out_len);
  return g_bytes_new_take (data, out_len);
}

typedef enum
{
  DESC_OCI = 0,
  DESC_DOCKER = 1 << 0,
  DESC_PLATFORM = 1 << 1,
} DescFlags;

static gboolean
parse_descriptor (JsonNode *node, DescFlags flags, const char *mt, const char *where,
                  SkoposDescriptor **out, GError **error)
{
  g_autoptr (SkoposDescriptor) desc = g_new0 (SkoposDescriptor, 1);
  g_autoptr (GError) local_error = NULL;
  gboolean docker = (flags & DESC_DOCKER) != 0;
  JsonNode *member;

  *out = NULL;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, mt, "%s is not an object", where);

  JsonObject *obj = json_node_get_object (node);

  if (!get_optional_string (obj, "mediaType", mt, where, &desc->media_type, error))
    return FALSE;
  if (desc->media_type == NULL || desc->media_type[0] == '\0')
    return invalid (error, mt, "%s: mediaType is missing", where);

  member = get_member (obj, "digest");
  if (member == NULL)
    return invalid (error, mt, "%s: digest is missing", where);
  if (!node_is_string (member))
    return invalid (error, mt, "%s: digest is not a string", where);
  if (!skopos_digest_validate (json_node_get_string (member), &local_error))
    return invalid (error, mt, "%s: %s", where, local_error->message);
  desc->digest = g_strdup (json_node_get_string (member));

  member = get_member (obj, "size");
  if (member == NULL)
    return invalid (error, mt, "%s: size is missing", where);
  if (!node_is_integer (member))
    return invalid (error, mt, "%s: size is not an integer", where);
  desc->size = json_node_get_int (member);
  if (desc->size < 0)
    return invalid (error, mt, "%s: size %" G_GINT64_FORMAT " is negative", where, desc->size);

  if (!get_string_array (obj, "urls", mt, where, &desc->urls, error))
    return FALSE;

  /* Docker descriptors have no annotations, data or artifactType; Go's decoder ignores
   * such fields there, and so do we. */
  if (!docker)
    {
      if (!get_string_map (obj, "annotations", mt, where, &desc->annotations, error)
          || !get_optional_string (obj, "artifactType", mt, where, &desc->artifact_type, error))
        return FALSE;

      member = get_member (obj, "data");
      if (member != NULL)
        {
          if (!node_is_string (member))
            return invalid (error, mt, "%s: data is not a string", where);
          desc->data = decode_base64 (json_node_get_string (member), FALSE, TRUE);
          if (desc->data == NULL)
            return invalid (error, mt, "%s: data is not valid base64", where);
        }
    }

  if (flags & DESC_PLATFORM)
    {
      member = get_member (obj, "platform");
      if (member != NULL && !parse_platform (member, docker, mt, where, &desc->platform, error))
        return FALSE;
    }

  *out = g_steal_pointer (&desc);
  return TRUE;
}

static gboolean
parse_descriptor_array (JsonObject *root, const char *key, DescFlags flags, const char *mt,
                        GPtrArray *into, GError **error)
{
  JsonNode *node = get_member (root, key);

  if (node == NULL)
    return invalid (error, mt, "\"%s\" is missing", key);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return invalid (error, mt, "\"%s\" is not an array", key);

  JsonArray *array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *where = g_strdup_printf ("%s[%u]", key, i);
      SkoposDescriptor *desc = NULL;

      if (!parse_descriptor (json_array_get_element (array, i), flags, mt, where, &desc, error))
        return FALSE;
      g_ptr_array_add (into, desc);
    }
  return TRUE;
}

/* ---- document-level checks ----------------------------------------------------------- */

static gboolean
check_schema_version (JsonObject *root, gint64 wanted, const char *mt, gint *out,
                      GError **error)
{
  JsonNode *node = get_member (root, "schemaVersion");

  if (node == NULL)
    return invalid (error, mt, "schemaVersion is missing");
  if (!node_is_integer (node))
    return invalid (error, mt, "schemaVersion is not an integer");
  if (json_node_get_int (node) != wanted)
    return invalid (error, mt, "schemaVersion is %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT,
                    json_node_get_int (node), wanted);
  *out = (gint) wanted;
  return TRUE;
}

/* The mediaType field, when there is one, must name the type we were told (or
 * guessed); @required is for formats whose documents always carry it. */
static gboolean
check_media_type_field (JsonObject *root, const char *mt, gboolean required,
                        gboolean *out_absent, GError **error)
{
  JsonNode *node = get_member (root, "mediaType");

  if (out_absent != NULL)
    *out_absent = node == NULL;
  if (node == NULL)
    return required ? invalid (error, mt, "mediaType is missing") : TRUE;
  if (!node_is_string (node))
    return invalid (error, mt, "mediaType is not a string");
  if (strcmp (json_node_get_string (node), mt) != 0)
    return invalid (error, mt, "mediaType \"%s\" contradicts the manifest type %s",
                    json_node_get_string (node), mt);
  return TRUE;
}

/* A document that also has another format's essential fields is refused rather than
 * read one way here and another way elsewhere. */
static gboolean
check_unambiguous (JsonObject *root, const char *mt, const char *const *allowed,
                   GError **error)
{
  static const char *const essential[] = { "config", "fsLayers", "history", "layers",
                                           "manifests" };
  g_autoptr (GString) unexpected = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (essential); i++)
    if (has_non_null_member (root, essential[i])
        && !g_strv_contains (allowed, essential[i]))
      g_string_append_printf (unexpected, "%s\"%s\"", unexpected->len ? ", " : "",
                              essential[i]);

  if (unexpected->len > 0)
    return invalid (error, mt, "ambiguous document, it also has %s", unexpected->str);
  return TRUE;
}

/* ---- the formats --------------------------------------------------------------------- */

static gboolean
parse_docker_schema2 (JsonObject *root, SkoposManifest *m, GError **error)
{
  static const char *const allowed[] = { "config", "layers", NULL };
  const char *mt = m->media_type;

  if (!check_schema_version (root, 2, mt, &m->schema_version, error)
      || !check_media_type_field (root, mt, TRUE, NULL, error)
      || !check_unambiguous (root, mt, allowed, error))
    return FALSE;

  if (get_member (root, "config") == NULL)
    return invalid (error, mt, "\"config\" is missing");
  if (!parse_descriptor (get_member (root, "config"), DESC_DOCKER, mt, "config", &m->config,
                         error)
      || !parse_descriptor_array (root, "layers", DESC_DOCKER, mt, m->layers, error))
    return FALSE;

  /* containers/image refuses layer types Docker schema 2 does not define (an OCI type
   * in a Docker manifest is a broken image, not something to carry on). */
  for (guint i = 0; i < m->layers->len; i++)
    {
      SkoposDescriptor *layer = m->layers->pdata[i];
      if (strcmp (layer->media_type, SKOPOS_MEDIA_TYPE_DOCKER_LAYER) != 0
          && strcmp (layer->media_type, SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP) != 0
          && strcmp (layer->media_type, SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER) != 0
          && strcmp (layer->media_type, SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER_GZIP) != 0)
        return invalid (error, mt, "layers[%u]: unsupported layer media type \"%s\"", i,
                        layer->media_type);
    }
  return TRUE;
}

static gboolean
parse_docker_list (JsonObject *root, SkoposManifest *m, GError **error)
{
  static const char *const allowed[] = { "manifests", NULL };
  const char *mt = m->media_type;

  m->is_list = TRUE;
  return check_schema_version (root, 2, mt, &m->schema_version, error)
         && check_media_type_field (root, mt, FALSE, NULL, error)
         && check_unambiguous (root, mt, allowed, error)
         && parse_descriptor_array (root, "manifests", DESC_DOCKER | DESC_PLATFORM, mt,
                                    m->manifests, error);
}

static gboolean
parse_oci_common (JsonObject *root, SkoposManifest *m, GError **error)
{
  const char *mt = m->media_type;
  JsonNode *subject = get_member (root, "subject");

  if (!get_optional_string (root, "artifactType", mt, "", &m->artifact_type, error)
      || !get_string_map (root, "annotations", mt, "", &m->annotations, error))
    return FALSE;
  if (subject != NULL
      && !parse_descriptor (subject, DESC_OCI, mt, "subject", &m->subject, error))
    return FALSE;
  return TRUE;
}

static gboolean
parse_oci_manifest (JsonObject *root, SkoposManifest *m, GError **error)
{
  static const char *const allowed[] = { "config", "layers", NULL };
  const char *mt = m->media_type;

  if (!check_schema_version (root, 2, mt, &m->schema_version, error)
      || !check_media_type_field (root, mt, FALSE, &m->media_type_absent, error)
      || !check_unambiguous (root, mt, allowed, error))
    return FALSE;

  if (get_member (root, "config") == NULL)
    return invalid (error, mt, "\"config\" is missing");
  return parse_descriptor (get_member (root, "config"), DESC_OCI, mt, "config", &m->config,
                           error)
         && parse_descriptor_array (root, "layers", DESC_OCI, mt, m->layers, error)
         && parse_oci_common (root, m, error);
}

static gboolean
parse_oci_index (JsonObject *root, SkoposManifest *m, GError **error)
{
  static const char *const allowed[] = { "manifests", NULL };
  const char *mt = m->media_type;

  m->is_list = TRUE;
  return check_schema_version (root, 2, mt, &m->schema_version, error)
         && check_media_type_field (root, mt, FALSE, NULL, error)
         && check_unambiguous (root, mt, allowed, error)
         && parse_descriptor_array (root, "manifests", DESC_OCI | DESC_PLATFORM, mt,
                                    m->manifests, error)
         && parse_oci_common (root, m, error);
}

/* One v1Compatibility entry: only id and parent matter for checking the chain. */
typedef struct
{
  char *id;
  char *parent;
} Schema1Compat;

static void
schema1_compat_clear (Schema1Compat *c)
{
  g_free (c->id);
  g_free (c->parent);
}

static gboolean
is_v1_id (const char *id)
{
  if (id == NULL || strlen (id) != 64)
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

static gboolean
parse_docker_schema1 (JsonObject *root, SkoposManifest *m, GError **error)
{
  static const char *const allowed[] = { "fsLayers", "history", NULL };
  const char *mt = m->media_type;
  JsonNode *fs_node = get_member (root, "fsLayers");
  JsonNode *history_node = get_member (root, "history");
  JsonNode *mt_node = get_member (root, "mediaType");
  g_autoptr (GArray) compat = NULL;
  g_autoptr (GPtrArray) blobsums = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) history = g_ptr_array_new_with_free_func (g_free);

  if (!check_schema_version (root, 1, mt, &m->schema_version, error)
      || !check_unambiguous (root, mt, allowed, error))
    return FALSE;
  if (mt_node != NULL
      && (!node_is_string (mt_node)
          || (strcmp (json_node_get_string (mt_node), SKOPOS_MEDIA_TYPE_DOCKER_V2S1) != 0
              && strcmp (json_node_get_string (mt_node), SKOPOS_MEDIA_TYPE_DOCKER_V2S1_SIGNED)
                     != 0)))
    return invalid (error, mt, "mediaType contradicts the manifest type %s", mt);

  if (!get_optional_string (root, "name", mt, "", &m->schema1_name, error)
      || !get_optional_string (root, "tag", mt, "", &m->schema1_tag, error)
      || !get_optional_string (root, "architecture", mt, "", &m->schema1_architecture, error))
    return FALSE;

  if (fs_node == NULL || !JSON_NODE_HOLDS_ARRAY (fs_node))
    return invalid (error, mt, "\"fsLayers\" is missing or not an array");
  if (history_node == NULL || !JSON_NODE_HOLDS_ARRAY (history_node))
    return invalid (error, mt, "\"history\" is missing or not an array");

  JsonArray *fs = json_node_get_array (fs_node);
  JsonArray *hist = json_node_get_array (history_node);
  guint n = json_array_get_length (fs);
  if (n != json_array_get_length (hist))
    return invalid (error, mt, "%u fsLayers but %u history entries", n,
                    json_array_get_length (hist));
  if (n == 0)
    return invalid (error, mt, "no fsLayers");

  compat = g_array_sized_new (FALSE, TRUE, sizeof (Schema1Compat), n);
  g_array_set_clear_func (compat, (GDestroyNotify) schema1_compat_clear);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *layer = json_array_get_element (fs, i);
      JsonNode *entry = json_array_get_element (hist, i);
      JsonNode *member;
      g_autoptr (GError) local_error = NULL;
      g_autoptr (JsonParser) parser = NULL;
      Schema1Compat c = { NULL, NULL };

      if (!JSON_NODE_HOLDS_OBJECT (layer))
        return invalid (error, mt, "fsLayers[%u] is not an object", i);
      member = get_member (json_node_get_object (layer), "blobSum");
      if (!node_is_string (member))
        return invalid (error, mt, "fsLayers[%u]: blobSum is missing", i);
      if (!skopos_digest_validate (json_node_get_string (member), &local_error))
        return invalid (error, mt, "fsLayers[%u]: %s", i, local_error->message);
      g_ptr_array_add (blobsums, g_strdup (json_node_get_string (member)));

      if (!JSON_NODE_HOLDS_OBJECT (entry))
        return invalid (error, mt, "history[%u] is not an object", i);
      member = get_member (json_node_get_object (entry), "v1Compatibility");
      if (!node_is_string (member))
        return invalid (error, mt, "history[%u]: v1Compatibility is missing", i);
      g_ptr_array_add (history, g_strdup (json_node_get_string (member)));

      parser = json_parser_new ();
      if (!json_parser_load_from_data (parser, json_node_get_string (member), -1, NULL)
          || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        return invalid (error, mt, "history[%u]: v1Compatibility is not a JSON object", i);

      JsonObject *v1 = json_node_get_object (json_parser_get_root (parser));
      if (!get_optional_string (v1, "id", mt, "v1Compatibility", &c.id, error))
        return FALSE;
      if (!get_optional_string (v1, "parent", mt, "v1Compatibility", &c.parent, error))
        {
          g_free (c.id);
          return FALSE;
        }
      g_array_append_val (compat, c);
      if (!is_v1_id (c.id))
        return invalid (error, mt, "history[%u]: invalid image ID \"%s\"", i,
                        c.id != NULL ? c.id : "");
    }

  /* The entries run from the top layer down to the base, each naming the next as its
   * parent; a layer repeated right after itself is the same layer listed twice and is
   * dropped, anything else out of order is a broken chain. */
  Schema1Compat *base = &g_array_index (compat, Schema1Compat, n - 1);
  if (base->parent != NULL && base->parent[0] != '\0')
    return invalid (error, mt, "the base layer has a parent ID");

  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  const char *last_id = NULL;
  for (guint i = 0; i < n; i++)
    {
      const char *id = g_array_index (compat, Schema1Compat, i).id;
      if (g_strcmp0 (id, last_id) != 0 && g_hash_table_contains (seen, id))
        return invalid (error, mt, "image ID %s appears more than once", id);
      g_hash_table_add (seen, (gpointer) id);
      last_id = id;
    }

  for (gint i = (gint) n - 2; i >= 0; i--)
    {
      Schema1Compat *c = &g_array_index (compat, Schema1Compat, i);
      Schema1Compat *next = &g_array_index (compat, Schema1Compat, i + 1);

      if (strcmp (c->id, next->id) == 0)
        {
          g_ptr_array_remove_index (blobsums, i);
          g_ptr_array_remove_index (history, i);
          g_array_remove_index (compat, i);
        }
      else if (g_strcmp0 (c->parent, next->id) != 0)
        return invalid (error, mt, "history[%d]: parent ID \"%s\" is not %s", i,
                        c->parent != NULL ? c->parent : "", next->id);
    }

  /* Schema 1 lists the top layer first; SkoposManifest keeps the base first. */
  for (gint i = (gint) blobsums->len - 1; i >= 0; i--)
    {
      g_ptr_array_add (m->layers, skopos_descriptor_new (SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP,
                                                         blobsums->pdata[i], -1));
      g_ptr_array_add (m->schema1_history, g_strdup (history->pdata[i]));
    }
  return TRUE;
}

/* ---- type detection ------------------------------------------------------------------ */

/* The decisions containers/image's GuessMIMEType makes, on an already parsed document. */
static const char *
guess_from_object (JsonObject *root)
{
  JsonNode *mt_node = json_object_get_member (root, "mediaType");
  JsonNode *version = get_member (root, "schemaVersion");
  const char *mt = NULL;

  if (mt_node != NULL && !JSON_NODE_HOLDS_NULL (mt_node))
    {
      if (!node_is_string (mt_node))
        return NULL;
      mt = json_node_get_string (mt_node);
    }

  if (g_strcmp0 (mt, SKOPOS_MEDIA_TYPE_DOCKER_V2S2) == 0
      || g_strcmp0 (mt, SKOPOS_MEDIA_TYPE_DOCKER_V2_LIST) == 0
      || g_strcmp0 (mt, SKOPOS_MEDIA_TYPE_OCI_MANIFEST) == 0
      || g_strcmp0 (mt, SKOPOS_MEDIA_TYPE_OCI_INDEX) == 0)
    return mt;

  if (!node_is_integer (version))
    return NULL;

  switch (json_node_get_int (version))
    {
    case 1:
      /* Recognising the signed form is what makes the digest right (it covers the
       * payload, not the signatures). */
      return has_non_null_member (root, "signatures") ? SKOPOS_MEDIA_TYPE_DOCKER_V2S1_SIGNED
                                                      : SKOPOS_MEDIA_TYPE_DOCKER_V2S1;
    case 2:
      {
        JsonNode *config = get_member (root, "config");
        JsonNode *manifests = get_member (root, "manifests");
        const char *config_type = NULL;

        if (config != NULL && JSON_NODE_HOLDS_OBJECT (config))
          {
            JsonNode *cmt = get_member (json_node_get_object (config), "mediaType");
            if (node_is_string (cmt))
              config_type = json_node_get_string (cmt);
          }
        if (g_strcmp0 (config_type, SKOPOS_MEDIA_TYPE_OCI_CONFIG) == 0)
          return SKOPOS_MEDIA_TYPE_OCI_MANIFEST;
        if (g_strcmp0 (config_type, SKOPOS_MEDIA_TYPE_DOCKER_CONFIG) == 0)
          return SKOPOS_MEDIA_TYPE_DOCKER_V2S2;

        /* An index written before image-spec 1.0.2 had no mediaType; so may an
         * empty one. Upstream takes an empty index for an artifact manifest, which
         * then fails for lack of a config; naming it an index is more useful. */
        if (manifests != NULL && JSON_NODE_HOLDS_ARRAY (manifests))
          {
            if (config_type == NULL && !has_non_null_member (root, "layers"))
              return SKOPOS_MEDIA_TYPE_OCI_INDEX;
            if (json_array_get_length (json_node_get_array (manifests)) > 0)
              return NULL;
          }

        /* Most likely an OCI artifact with its own config type. */
        return SKOPOS_MEDIA_TYPE_OCI_MANIFEST;
      }
    default:
      return NULL;
    }
}

static JsonParser *
load_json (GBytes *raw, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (raw, &len);

  if (len == 0)
    {
      g_set_error_literal (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_MANIFEST,
                           "invalid manifest: empty document");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      g_set_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_MANIFEST,
                   "invalid manifest: not valid JSON: %s", local_error->message);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_MANIFEST,
                           "invalid manifest: not a JSON object");
      return NULL;
    }
  return g_steal_pointer (&parser);
}

char *
skopos_manifest_guess_media_type (GBytes *raw)
{
  g_autoptr (JsonParser) parser = NULL;

  g_return_val_if_fail (raw != NULL, NULL);

  parser = load_json (raw, NULL);
  if (parser == NULL)
    return NULL;
  return g_strdup (guess_from_object (json_node_get_object (json_parser_get_root (parser))));
}

SkoposManifest *
skopos_manifest_parse (GBytes *raw, const char *media_type, GError **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (SkoposManifest) m = NULL;
  gboolean ok;

  g_return_val_if_fail (raw != NULL, NULL);

  parser = load_json (raw, error);
  if (parser == NULL)
    return NULL;

  JsonObject *root = json_node_get_object (json_parser_get_root (parser));

  /* "application/json" is what some registries say for schema 1; like an unknown
   * type from the transport it is settled by looking at the document. */
  if (media_type == NULL || *media_type == '\0' || strcmp (media_type, "application/json") == 0)
    {
      media_type = guess_from_object (root);
      if (media_type == NULL)
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_MANIFEST,
                        "invalid manifest: not a manifest type skopos knows (no recognised "
                        "mediaType or schemaVersion)");
          return NULL;
        }
    }
  else if (!skopos_media_type_is_manifest (media_type))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_MANIFEST,
                    "invalid manifest: unknown manifest media type \"%s\"", media_type);
      return NULL;
    }

  m = _skopos_manifest_new ();
  m->media_type = g_strdup (media_type);

  if (strcmp (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S2) == 0)
    ok = parse_docker_schema2 (root, m, error);
  else if (strcmp (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2_LIST) == 0)
    ok = parse_docker_list (root, m, error);
  else if (strcmp (media_type, SKOPOS_MEDIA_TYPE_OCI_MANIFEST) == 0)
    ok = parse_oci_manifest (root, m, error);
  else if (strcmp (media_type, SKOPOS_MEDIA_TYPE_OCI_INDEX) == 0)
    ok = parse_oci_index (root, m, error);
  else
    ok = parse_docker_schema1 (root, m, error);

  if (!ok)
    return NULL;

  m->raw = g_bytes_ref (raw);
  return g_steal_pointer (&m);
}

/* ---- digests ------------------------------------------------------------------------- */

/* The JWS payload of a signed schema 1 manifest: the bytes up to formatLength, then
 * formatTail. Every signature must agree on both, as libtrust requires. */
static GBytes *
schema1_signed_payload (GBytes *raw, JsonObject *root, GError **error)
{
  const char *mt = SKOPOS_MEDIA_TYPE_DOCKER_V2S1_SIGNED;
  JsonNode *sigs_node = get_member (root, "signatures");
  g_autoptr (GBytes) tail = NULL;
  gint64 length = -1;
  gsize raw_len = 0;
  const guint8 *raw_data = g_bytes_get_data (raw, &raw_len);

  if (sigs_node == NULL || !JSON_NODE_HOLDS_ARRAY (sigs_node))
    return invalid (error, mt, "\"signatures\" is not an array"), NULL;

  JsonArray *sigs = json_node_get_array (sigs_node);
  if (json_array_get_length (sigs) == 0)
    return invalid (error, mt, "no signatures"), NULL;

  for (guint i = 0; i < json_array_get_length (sigs); i++)
    {
      JsonNode *sig = json_array_get_element (sigs, i);
      JsonNode *protected_node;
      g_autoptr (GBytes) header = NULL;
      g_autoptr (GBytes) this_tail = NULL;
      g_autoptr (JsonParser) parser = json_parser_new ();
      gint64 this_length;

      if (!JSON_NODE_HOLDS_OBJECT (sig))
        return invalid (error, mt, "signatures[%u] is not an object", i), NULL;
      protected_node = get_member (json_node_get_object (sig), "protected");
      if (!node_is_string (protected_node))
        return invalid (error, mt, "signatures[%u]: no protected header", i), NULL;
      header = decode_base64 (json_node_get_string (protected_node), TRUE, FALSE);
      if (header == NULL)
        return invalid (error, mt, "signatures[%u]: protected header is not base64url", i), NULL;

      gsize header_len = 0;
      const char *header_data = g_bytes_get_data (header, &header_len);
      if (!json_parser_load_from_data (parser, header_data, (gssize) header_len, NULL)
          || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        return invalid (error, mt, "signatures[%u]: protected header is not a JSON object", i),
               NULL;

      JsonObject *h = json_node_get_object (json_parser_get_root (parser));
      JsonNode *len_node = get_member (h, "formatLength");
      JsonNode *tail_node = get_member (h, "formatTail");
      if (len_node == NULL || !JSON_NODE_HOLDS_VALUE (len_node)
          || (json_node_get_value_type (len_node) != G_TYPE_INT64
              && json_node_get_value_type (len_node) != G_TYPE_DOUBLE))
        return invalid (error, mt, "signatures[%u]: formatLength is missing", i), NULL;
      if (!node_is_string (tail_node))
        return invalid (error, mt, "signatures[%u]: formatTail is missing", i), NULL;

      /* libtrust reads JSON numbers as floats and truncates them to an int. */
      if (json_node_get_value_type (len_node) == G_TYPE_INT64)
        this_length = json_node_get_int (len_node);
      else
        this_length = (gint64) json_node_get_double (len_node);
      this_tail = decode_base64 (json_node_get_string (tail_node), TRUE, FALSE);
      if (this_tail == NULL)
        return invalid (error, mt, "signatures[%u]: formatTail is not base64url", i), NULL;

      if (i == 0)
        {
          length = this_length;
          tail = g_steal_pointer (&this_tail);
        }
      else if (length != this_length || !g_bytes_equal (tail, this_tail))
        return invalid (error, mt, "signatures disagree on the signed payload"), NULL;
    }

  if (length < 0 || (guint64) length > raw_len)
    return invalid (error, mt, "formatLength %" G_GINT64_FORMAT " is out of range", length),
           NULL;

  gsize tail_len = 0;
  const guint8 *tail_data = g_bytes_get_data (tail, &tail_len);
  guint8 *payload = g_malloc (length + tail_len + 1);
  memcpy (payload, raw_data, length);
  if (tail_len > 0)
    memcpy (payload + length, tail_data, tail_len);
  return g_bytes_new_take (payload, length + tail_len);
}

char *
skopos_manifest_digest_with_algorithm (GBytes *raw, const char *algorithm, GError **error)
{
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (JsonParser) parser = NULL;

  g_return_val_if_fail (raw != NULL, NULL);

  if (g_strcmp0 (algorithm, "sha256") != 0 && g_strcmp0 (algorithm, "sha512") != 0)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                    "unsupported digest algorithm \"%s\" (sha256 and sha512 are)",
                    algorithm != NULL ? algorithm : "");
      return NULL;
    }

  /* Only a document that reads as signed schema 1 has a digest other than that of its
   * bytes; anything else, JSON or not, is hashed as it is. */
  parser = load_json (raw, NULL);
  if (parser != NULL
      && g_strcmp0 (guess_from_object (json_node_get_object (json_parser_get_root (parser))),
                    SKOPOS_MEDIA_TYPE_DOCKER_V2S1_SIGNED) == 0)
    {
      payload = schema1_signed_payload (raw, json_node_get_object (json_parser_get_root (parser)),
                                        error);
      if (payload == NULL)
        return NULL;
    }
  else
    payload = g_bytes_ref (raw);

  return skopos_digest_compute_bytes (algorithm, payload);
}

char *
skopos_manifest_digest (GBytes *raw, GError **error)
{
  return skopos_manifest_digest_with_algorithm (raw, "sha256", error);
}

gboolean
skopos_manifest_matches_digest (GBytes *raw, const char *digest)
{
  g_autofree char *algorithm = NULL;
  g_autofree char *actual = NULL;

  if (raw == NULL || !skopos_digest_validate (digest, NULL))
    return FALSE;

  algorithm = skopos_digest_dup_algorithm (digest);
  actual = skopos_manifest_digest_with_algorithm (raw, algorithm, NULL);
  return actual != NULL && strcmp (actual, digest) == 0;
}
