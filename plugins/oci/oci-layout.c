/* oci-layout.c: the files of an OCI image layout (image-layout spec 1.1).
 *
 *   PATH/oci-layout          {"imageLayoutVersion": "1.0.0"}
 *   PATH/index.json          an image index; each entry is an image, optionally named
 *                            by its org.opencontainers.image.ref.name annotation
 *   PATH/blobs/ALG/HEX       content-addressed blobs (or SHARED/ALG/HEX when a shared
 *                            blob folder is given)
 *
 * Everything read from disk is distrusted: a digest from index.json or from a
 * manifest is validated before it is turned into a path, so "sha256:../../x" never
 * reaches open(). index.json is changed only under the layout's writer lock, by
 * reading it again, changing the tree (unknown members are kept as they were) and
 * replacing the file through a rename, so concurrent writers lose no entry and
 * readers never see a partial file.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci-private.h"

/* Manifests are small; a blob bigger than this is not walked as one. */
#define OCI_MAX_MANIFEST_SIZE (16 * 1024 * 1024)
/* Indexes may nest (an index of indexes); real images stay far below this. */
#define OCI_MAX_NESTING 16

char *
oci_blob_dir (const char *layout, SkoposContext *ctx)
{
  const char *shared = skopos_context_get_string (ctx, SKOPOS_CONTEXT_SHARED_BLOB_DIR);

  if (shared != NULL && *shared != '\0')
    return g_strdup (shared);
  return g_build_filename (layout, OCI_BLOBS_DIR, NULL);
}

char *
oci_blob_path (const char *blob_dir, const char *digest, GError **error)
{
  if (!skopos_digest_validate (digest, error))
    return NULL;

  g_autofree char *algorithm = skopos_digest_dup_algorithm (digest);
  return g_build_filename (blob_dir, algorithm, skopos_digest_get_hex (digest), NULL);
}


gboolean
oci_regular_file_exists (const char *path, gboolean *out_exists, gint64 *out_size, GError **error)
{
  struct stat st;

  if (stat (path, &st) < 0)
    {
      if (errno != ENOENT)
        return skopos_throw_errno (error, errno, "Cannot look at", path);
      *out_exists = FALSE;
      if (out_size)
        *out_size = -1;
      return TRUE;
    }
  if (!S_ISREG (st.st_mode))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "'%s' is not a regular file", path);

  *out_exists = TRUE;
  if (out_size)
    *out_size = st.st_size;
  return TRUE;
}

JsonNode *
oci_index_new (void)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "schemaVersion");
  json_builder_add_int_value (builder, 2);
  json_builder_set_member_name (builder, "mediaType");
  json_builder_add_string_value (builder, SKOPOS_MEDIA_TYPE_OCI_INDEX);
  json_builder_set_member_name (builder, "manifests");
  json_builder_begin_array (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

JsonArray *
oci_index_get_manifests (JsonNode *index)
{
  return json_object_get_array_member (json_node_get_object (index), "manifests");
}

/* An index.json is usable when it is an object whose "manifests" is an array of
 * objects. A missing or null "manifests" is an empty index (Go decoders read it so). */
static gboolean
check_index_shape (JsonNode *root, const char *index_path, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "'%s' is corrupt: it is not a JSON object", index_path);

  JsonObject *obj = json_node_get_object (root);
  JsonNode *manifests = json_object_get_member (obj, "manifests");

  if (manifests == NULL || JSON_NODE_HOLDS_NULL (manifests))
    {
      json_object_set_array_member (obj, "manifests", json_array_new ());
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (manifests))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "'%s' is corrupt: \"manifests\" is not an array", index_path);

  JsonArray *array = json_node_get_array (manifests);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      if (!JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, i)))
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                             "'%s' is corrupt: entry %u of \"manifests\" is not an object",
                             index_path, i);
    }
  return TRUE;
}

JsonNode *
oci_index_load (const char *layout, GError **error)
{
  struct stat st;

  if (stat (layout, &st) < 0)
    {
      if (errno == ENOENT)
        {
          skopos_throw (error, SKOPOS_ERROR_FAILED, "OCI layout '%s' does not exist", layout);
          return NULL;
        }
      skopos_throw_errno (error, errno, "Cannot open OCI layout", layout);
      return NULL;
    }
  if (!S_ISDIR (st.st_mode))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "'%s' is not an OCI layout: it is not a folder", layout);
      return NULL;
    }

  g_autofree char *index_path = g_build_filename (layout, OCI_INDEX_FILE, NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) local_error = NULL;

  if (!g_file_get_contents (index_path, &contents, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                      "'%s' is not an OCI layout: '%s' does not exist", layout, index_path);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  /* Mutable: writers change the tree and save it again. */
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, contents, len, &local_error))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "'%s' is corrupt: %s", index_path,
                    local_error->message);
      return NULL;
    }

  g_autoptr (JsonNode) root = json_parser_steal_root (parser);
  if (root == NULL)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "'%s' is corrupt: it is empty", index_path);
      return NULL;
    }

  if (!check_index_shape (root, index_path, error))
    return NULL;
  return g_steal_pointer (&root);
}

gboolean
oci_index_save (const char *layout, JsonNode *index, GError **error)
{
  g_autofree char *index_path = g_build_filename (layout, OCI_INDEX_FILE, NULL);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  struct stat st;
  int mode = 0644;

  /* Someone may have made index.json private on purpose; keep its mode. */
  if (stat (index_path, &st) == 0)
    mode = st.st_mode & 07777;

  json_generator_set_root (generator, index);
  gsize len = 0;
  g_autofree char *data = json_generator_to_data (generator, &len);

  if (!skopos_file_replace_contents (index_path, data, len, mode, error))
    return skopos_prefix_error (error, "Writing '%s': ", index_path);
  return TRUE;
}

static const char *
get_string_member (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gboolean
oci_descriptor_read (JsonObject *desc,
                     const char *what,
                     const char **out_digest,
                     const char **out_media_type,
                     gint64 *out_size,
                     GError **error)
{
  const char *digest = get_string_member (desc, "digest");
  g_autoptr (GError) local_error = NULL;

  if (digest == NULL)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: a descriptor has no digest", what);
  if (!skopos_digest_validate (digest, &local_error))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: %s", what,
                         local_error->message);

  gint64 size = -1;
  JsonNode *size_node = json_object_get_member (desc, "size");
  if (size_node != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (size_node) || json_node_get_value_type (size_node) != G_TYPE_INT64
          || json_node_get_int (size_node) < 0)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                             "%s: the size of %s is not a non-negative integer", what, digest);
      size = json_node_get_int (size_node);
    }

  if (out_digest)
    *out_digest = digest;
  if (out_media_type)
    *out_media_type = get_string_member (desc, "mediaType");
  if (out_size)
    *out_size = size;
  return TRUE;
}

const char *
oci_descriptor_get_ref_name (JsonObject *desc)
{
  JsonNode *annotations = json_object_get_member (desc, "annotations");

  if (annotations == NULL || !JSON_NODE_HOLDS_OBJECT (annotations))
    return NULL;
  return get_string_member (json_node_get_object (annotations), OCI_REF_NAME_ANNOTATION);
}

/* The types containers/image accepts for a named entry. */
static gboolean
is_readable_entry_type (const char *media_type)
{
  return g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_OCI_MANIFEST) == 0
         || g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_OCI_INDEX) == 0
         || g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S2) == 0
         || g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2_LIST) == 0;
}

static JsonObject *
find_by_name (JsonArray *manifests, const OciReference *ref, guint *out_position, GError **error)
{
  g_autoptr (GString) unsupported = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (manifests); i++)
    {
      JsonObject *entry = json_array_get_object_element (manifests, i);

      if (g_strcmp0 (oci_descriptor_get_ref_name (entry), ref->image) != 0)
        continue;

      const char *media_type = get_string_member (entry, "mediaType");
      if (is_readable_entry_type (media_type))
        {
          *out_position = i;
          return entry;
        }
      g_string_append_printf (unsupported, "%s'%s'", unsupported->len ? ", " : "",
                              media_type ? media_type : "(none)");
    }

  if (unsupported->len > 0)
    skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                  "Image '%s' in '%s' has an unsupported manifest type %s", ref->image, ref->path,
                  unsupported->str);
  else
    skopos_throw (error, SKOPOS_ERROR_NOT_FOUND, "No image named '%s' in OCI layout '%s'",
                  ref->image, ref->path);
  return NULL;
}

JsonObject *
oci_index_find (JsonNode *index, const OciReference *ref, guint *out_position, GError **error)
{
  JsonArray *manifests = oci_index_get_manifests (index);
  guint n = json_array_get_length (manifests);

  if (ref->source_index >= 0)
    {
      if (ref->source_index >= (gint64) n)
        {
          skopos_throw (error, SKOPOS_ERROR_NOT_FOUND,
                        "Index @%" G_GINT64_FORMAT " is too large: '%s' has only %u entries",
                        ref->source_index, ref->path, n);
          return NULL;
        }
      *out_position = (guint) ref->source_index;
      return json_array_get_object_element (manifests, *out_position);
    }

  if (ref->image != NULL)
    return find_by_name (manifests, ref, out_position, error);

  if (n == 0)
    {
      skopos_throw (error, SKOPOS_ERROR_NOT_FOUND, "OCI layout '%s' holds no image", ref->path);
      return NULL;
    }
  if (n > 1)
    {
      g_autoptr (GString) names = g_string_new (NULL);
      for (guint i = 0; i < n; i++)
        {
          JsonObject *entry = json_array_get_object_element (manifests, i);
          const char *name = oci_descriptor_get_ref_name (entry);
          if (name != NULL)
            g_string_append_printf (names, "%s'%s'", names->len ? ", " : " (names: ", name);
        }
      if (names->len > 0)
        g_string_append_c (names, ')');
      skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                    "OCI layout '%s' holds %u images; choose one with oci:%s:NAME or "
                    "oci:%s:@INDEX%s", ref->path, n, ref->path, ref->path, names->str);
      return NULL;
    }

  *out_position = 0;
  return json_array_get_object_element (manifests, 0);
}

static gboolean
is_walkable_type (const char *media_type)
{
  return g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_OCI_MANIFEST) == 0
         || g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_OCI_INDEX) == 0
         || g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S2) == 0
         || g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2_LIST) == 0
         || g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S1) == 0
         || g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S1_SIGNED) == 0;
}

static gboolean collect_blobs (const char *blob_dir, JsonObject *desc, GHashTable *set,
                               guint depth, GCancellable *cancellable, GError **error);

static gboolean
add_digest_member (JsonObject *obj, const char *member, const char *what, GHashTable *set,
                   GError **error)
{
  const char *digest = get_string_member (obj, member);
  g_autoptr (GError) local_error = NULL;

  if (digest == NULL)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: a descriptor has no %s", what,
                         member);
  if (!skopos_digest_validate (digest, &local_error))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: %s", what,
                         local_error->message);
  g_hash_table_add (set, g_strdup (digest));
  return TRUE;
}

/* Adds every digest of the objects in array member @member of @obj. */
static gboolean
add_array_digests (JsonObject *obj, const char *member, const char *digest_member,
                   const char *what, GHashTable *set, GError **error)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: \"%s\" is not an array", what,
                         member);

  JsonArray *array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      if (!JSON_NODE_HOLDS_OBJECT (element))
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: \"%s\" holds a non-object",
                             what, member);
      if (!add_digest_member (json_node_get_object (element), digest_member, what, set, error))
        return FALSE;
    }
  return TRUE;
}

/* What one manifest or index blob refers to. */
static gboolean
walk_manifest (const char *blob_dir, const char *blob_path, JsonObject *doc, GHashTable *set,
               guint depth, GCancellable *cancellable, GError **error)
{
  JsonNode *config = json_object_get_member (doc, "config");

  if (config != NULL && JSON_NODE_HOLDS_OBJECT (config)
      && !add_digest_member (json_node_get_object (config), "digest", blob_path, set, error))
    return FALSE;
  if (!add_array_digests (doc, "layers", "digest", blob_path, set, error)
      || !add_array_digests (doc, "blobs", "digest", blob_path, set, error)
      || !add_array_digests (doc, "fsLayers", "blobSum", blob_path, set, error))
    return FALSE;

  JsonNode *manifests = json_object_get_member (doc, "manifests");
  if (manifests == NULL || JSON_NODE_HOLDS_NULL (manifests))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (manifests))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s: \"manifests\" is not an array",
                         blob_path);

  JsonArray *array = json_node_get_array (manifests);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      if (!JSON_NODE_HOLDS_OBJECT (element))
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                             "%s: \"manifests\" holds a non-object", blob_path);
      if (!collect_blobs (blob_dir, json_node_get_object (element), set, depth + 1, cancellable,
                          error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
collect_blobs (const char *blob_dir, JsonObject *desc, GHashTable *set, guint depth,
               GCancellable *cancellable, GError **error)
{
  const char *digest = NULL;
  const char *media_type = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (depth > OCI_MAX_NESTING)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "Indexes in '%s' nest more than %d levels deep", blob_dir,
                         OCI_MAX_NESTING);

  if (!oci_descriptor_read (desc, blob_dir, &digest, &media_type, NULL, error))
    return FALSE;

  /* Content addressing makes a second visit of a digest pointless. */
  if (!g_hash_table_add (set, g_strdup (digest)))
    return TRUE;

  /* Layers and configs need no look inside; an entry without a media type might be
   * a manifest, and is looked at when it is small. */
  if (media_type != NULL && !is_walkable_type (media_type))
    return TRUE;

  g_autofree char *path = oci_blob_path (blob_dir, digest, error);
  if (path == NULL)
    return FALSE;

  gboolean exists = FALSE;
  gint64 size = -1;
  if (!oci_regular_file_exists (path, &exists, &size, error))
    return FALSE;
  if (!exists)
    return TRUE;
  if (size > OCI_MAX_MANIFEST_SIZE)
    {
      if (media_type == NULL)
        return TRUE;
      return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "Manifest '%s' is too large", path);
    }

  g_autofree char *contents = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &contents, &len, error))
    return FALSE;

  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local_error = NULL;
  if (!json_parser_load_from_data (parser, contents, len, &local_error)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      if (media_type == NULL)
        return TRUE;
      return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "Manifest '%s' is corrupt%s%s", path,
                           local_error ? ": " : "", local_error ? local_error->message : "");
    }

  return walk_manifest (blob_dir, path, json_node_get_object (json_parser_get_root (parser)), set,
                        depth, cancellable, error);
}

gboolean
oci_collect_blobs (const char *blob_dir, JsonObject *desc, GHashTable *set,
                   GCancellable *cancellable, GError **error)
{
  return collect_blobs (blob_dir, desc, set, 0, cancellable, error);
}

GHashTable *
oci_index_collect_live_blobs (JsonNode *index, const char *blob_dir, GCancellable *cancellable,
                              GError **error)
{
  g_autoptr (GHashTable) set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonArray *manifests = oci_index_get_manifests (index);

  for (guint i = 0; i < json_array_get_length (manifests); i++)
    {
      if (!oci_collect_blobs (blob_dir, json_array_get_object_element (manifests, i), set,
                              cancellable, error))
        return NULL;
    }
  return g_steal_pointer (&set);
}

/* The lock file is removed by its holder before the lock is released, so a waiter
 * may end up holding a lock on a file that no longer has a name; it then tries
 * again on the new file. This keeps the lock exclusive without leaving a file in
 * the layout. */
int
oci_layout_lock (const char *layout, GError **error)
{
  g_autofree char *lock_path = g_build_filename (layout, OCI_LOCK_FILE, NULL);

  for (guint attempt = 0; attempt < 1000; attempt++)
    {
      int fd = skopos_file_lock (lock_path, error);
      if (fd < 0)
        return -1;

      struct stat held, named;
      if (fstat (fd, &held) == 0 && stat (lock_path, &named) == 0 && held.st_dev == named.st_dev
          && held.st_ino == named.st_ino)
        return fd;

      skopos_file_unlock (fd);
    }

  skopos_throw (error, SKOPOS_ERROR_FAILED, "Could not take the lock '%s'", lock_path);
  return -1;
}

void
oci_layout_unlock (const char *layout, int fd)
{
  g_autofree char *lock_path = g_build_filename (layout, OCI_LOCK_FILE, NULL);

  if (fd < 0)
    return;
  if (unlink (lock_path) < 0 && errno != ENOENT)
    g_debug ("Cannot remove lock file '%s': %s", lock_path, g_strerror (errno));
  skopos_file_unlock (fd);
}

