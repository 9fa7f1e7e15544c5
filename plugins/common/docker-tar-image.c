/* docker-tar-image.c: one image of a `docker save` archive, seen as an image source.
 *
 * An archive has no registry manifest, so one is made up, as containers/image does:
 * a Docker schema 2 manifest whose config is the config member and whose layers are
 * named by their diff IDs (the digests of the uncompressed layer tars), with the
 * uncompressed sizes. Layers stored compressed are decompressed when read, so every
 * blob matches the digest the manifest gives it.
 *
 * Everything is read and checked when the image is opened; afterwards the image is
 * read-only and get_blob() may be called from several threads.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "docker-tar-private.h"

typedef struct
{
  char *member;
  gint64 size; /* uncompressed */
} Layer;

struct _DockerTarImage
{
  DockerTarReader *reader;
  GBytes *config;
  char *config_digest;
  GHashTable *layers; /* diff ID → Layer* */
  GBytes *manifest;
};

static void
layer_free (Layer *layer)
{
  g_free (layer->member);
  g_free (layer);
}

void
docker_tar_image_free (DockerTarImage *image)
{
  if (image == NULL)
    return;
  g_clear_pointer (&image->config, g_bytes_unref);
  g_free (image->config_digest);
  g_clear_pointer (&image->layers, g_hash_table_unref);
  g_clear_pointer (&image->manifest, g_bytes_unref);
  g_free (image);
}

static gboolean
is_lower_hex (const char *s, gsize len)
{
  if (strlen (s) < len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
      return FALSE;
  return TRUE;
}

/* The digest a member's name claims ("<hex>.json" as docker and podman name configs,
 * "blobs/sha256/<hex>" in newer docker archives), or NULL. */
static char *
digest_from_member_name (const char *name)
{
  const char *base = strrchr (name, '/') ? strrchr (name, '/') + 1 : name;
  if (is_lower_hex (base, 64) && strcmp (base + 64, ".json") == 0 && base == name)
    return g_strdup_printf ("sha256:%.64s", base);
  if (g_str_has_prefix (name, "blobs/sha256/") && strlen (base) == 64 && is_lower_hex (base, 64))
    return g_strconcat ("sha256:", base, NULL);
  return NULL;
}

/* Checks that @name is in the archive before anything tries to read it, so the error
 * says what in manifest.json is wrong. */
static char *
require_member (DockerTarImage *image, guint index, const char *what, const char *name,
                GError **error)
{
  g_autofree char *clean = docker_tar_clean_member_name (name, error);
  if (clean == NULL)
    {
      skopos_prefix_error (error, "manifest.json of '%s', image %u: ",
                           docker_tar_reader_get_display_name (image->reader), index);
      return NULL;
    }
  if (!g_hash_table_contains (image->reader->members, clean))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "manifest.json of '%s' names %s '%s' for image %u, but the archive has no "
                    "such member", docker_tar_reader_get_display_name (image->reader), what, name,
                    index);
      return NULL;
    }
  return g_steal_pointer (&clean);
}

static GBytes *
read_member (DockerTarReader *reader, const char *name, gsize limit, GCancellable *cancellable,
             GError **error)
{
  gint64 size = 0;
  g_autoptr (GInputStream) stream = docker_tar_reader_open_member (reader, name, &size, error);
  if (stream == NULL)
    return NULL;
  if (size < 0 || (guint64) size > limit)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "'%s' in '%s' is larger than %" G_GSIZE_FORMAT " bytes", name,
                    docker_tar_reader_get_display_name (reader), limit);
      return NULL;
    }

  g_autoptr (GOutputStream) memory = g_memory_output_stream_new_resizable ();
  if (g_output_stream_splice (memory, stream,
                              G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE
                                  | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                              cancellable, error)
      < 0)
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

/* The diff IDs the config lists, in order. */
static char **
config_diff_ids (GBytes *config, const char *config_name, const char *display_name,
                 GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *text = g_bytes_get_data (config, &len);
  g_autoptr (GError) local_error = NULL;
  if (!json_parser_load_from_data (parser, text, len, &local_error))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "config '%s' in '%s' is not JSON: %s",
                    config_name, display_name, local_error->message);
      return NULL;
    }

  JsonNode *root = json_parser_get_root (parser);
  JsonObject *rootfs = NULL;
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonNode *node = json_object_get_member (json_node_get_object (root), "rootfs");
      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        rootfs = json_node_get_object (node);
    }
  if (rootfs == NULL)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "config '%s' in '%s' is not an image config (it has no rootfs)", config_name,
                    display_name);
      return NULL;
    }

  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  JsonNode *node = json_object_get_member (rootfs, "diff_ids");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          const char *id = NULL;
          if (JSON_NODE_HOLDS_VALUE (element)
              && json_node_get_value_type (element) == G_TYPE_STRING)
            id = json_node_get_string (element);
          if (id == NULL || !skopos_digest_validate (id, NULL))
            {
              skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                            "config '%s' in '%s': rootfs.diff_ids[%u] is not a digest",
                            config_name, display_name, i);
              return NULL;
            }
          g_ptr_array_add (ids, g_strdup (id));
        }
    }
  else if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "config '%s' in '%s': rootfs.diff_ids is not a list", config_name,
                    display_name);
      return NULL;
    }
  g_ptr_array_add (ids, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&ids), FALSE);
}

/* The uncompressed size of a layer member: its size as stored, or, when it is
 * compressed, what decompressing it gives. */
static gboolean
measure_layer (DockerTarReader *reader, const char *member, gint64 *out_size,
               GCancellable *cancellable, GError **error)
{
  gint64 stored = 0;
  g_autoptr (GInputStream) raw = docker_tar_reader_open_member (reader, member, &stored, error);
  if (raw == NULL)
    return FALSE;

  g_autoptr (GInputStream) buffered = g_buffered_input_stream_new (raw);
  if (g_buffered_input_stream_fill (G_BUFFERED_INPUT_STREAM (buffered), 4, cancellable, error) < 0)
    return FALSE;
  gsize available = 0;
  const guint8 *peek = g_buffered_input_stream_peek_buffer (G_BUFFERED_INPUT_STREAM (buffered),
                                                            &available);
  SkoposCompression compression = skopos_compression_detect (peek, available);
  if (compression == SKOPOS_COMPRESSION_NONE)
    {
      *out_size = stored;
      return TRUE;
    }

  g_debug ("layer '%s' is stored with %s; decompressing it to learn its size", member,
           skopos_compression_to_string (compression));
  g_autoptr (GInputStream) plain = skopos_compression_decompress_stream (buffered, compression,
                                                                         error);
  if (plain == NULL)
    return FALSE;

  gint64 total = 0;
  guint8 buf[64 * 1024];
  for (;;)
    {
      gssize n = g_input_stream_read (plain, buf, sizeof buf, cancellable, error);
      if (n < 0)
        return skopos_prefix_error (error, "Decompressing '%s' in '%s': ", member,
                                    docker_tar_reader_get_display_name (reader));
      if (n == 0)
        break;
      total += n;
    }
  *out_size = total;
  return TRUE;
}

static GBytes *
build_manifest (DockerTarImage *image, char **diff_ids)
{
  g_autoptr (GString) json = g_string_new (NULL);

  /* Field order and spelling as containers/image marshals a schema 2 manifest, so the
   * bytes (and the manifest digest) are the ones skopeo reports for the same archive. */
  g_string_append_printf (json,
                          "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
                          "\"%s\",\"size\":%" G_GSIZE_FORMAT ",\"digest\":\"%s\"},\"layers\":[",
                          SKOPOS_MEDIA_TYPE_DOCKER_V2S2, SKOPOS_MEDIA_TYPE_DOCKER_CONFIG,
                          g_bytes_get_size (image->config), image->config_digest);
  for (guint i = 0; diff_ids[i] != NULL; i++)
    {
      Layer *layer = g_hash_table_lookup (image->layers, diff_ids[i]);
      g_string_append_printf (json,
                              "%s{\"mediaType\":\"%s\",\"size\":%" G_GINT64_FORMAT
                              ",\"digest\":\"%s\"}",
                              i > 0 ? "," : "", SKOPOS_MEDIA_TYPE_DOCKER_LAYER, layer->size,
                              diff_ids[i]);
    }
  g_string_append (json, "]}");
  return g_string_free_to_bytes (g_steal_pointer (&json));
}

static gboolean
load_layers (DockerTarImage *image, guint index, DockerTarManifestItem *item, char **diff_ids,
             GCancellable *cancellable, GError **error)
{
  const char *display_name = docker_tar_reader_get_display_name (image->reader);
  guint n_layers = g_strv_length (item->layers);
  guint n_ids = g_strv_length (diff_ids);
  if (n_layers != n_ids)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "image %u of '%s' is inconsistent: manifest.json lists %u layers, its "
                         "config %u", index, display_name, n_layers, n_ids);

  g_autoptr (GHashTable) member_to_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                               NULL);
  for (guint i = 0; i < n_ids; i++)
    {
      /* The same layer can appear twice in one image; docker stores it once. */
      if (g_hash_table_contains (image->layers, diff_ids[i]))
        continue;

      g_autofree char *member = require_member (image, index, "the layer", item->layers[i], error);
      if (member == NULL)
        return FALSE;
      const char *other = g_hash_table_lookup (member_to_id, member);
      if (other != NULL)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                             "image %u of '%s' uses the layer member '%s' for two different "
                             "diff IDs (%s and %s)", index, display_name, member, other,
                             diff_ids[i]);

      Layer *layer = g_new0 (Layer, 1);
      layer->member = g_strdup (member);
      g_hash_table_insert (image->layers, g_strdup (diff_ids[i]), layer);
      g_hash_table_insert (member_to_id, g_steal_pointer (&member), diff_ids[i]);
      if (!measure_layer (image->reader, layer->member, &layer->size, cancellable, error))
        return FALSE;
    }
  return TRUE;
}

DockerTarImage *
docker_tar_image_new (DockerTarReader *reader, guint index, GCancellable *cancellable,
                      GError **error)
{
  const char *display_name = docker_tar_reader_get_display_name (reader);
  DockerTarManifestItem *item = docker_tar_reader_get_item (reader, index);

  g_autoptr (DockerTarImage) image = g_new0 (DockerTarImage, 1);
  image->reader = reader;
  image->layers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) layer_free);

  g_autofree char *config_name = require_member (image, index, "the config", item->config, error);
  if (config_name == NULL)
    return NULL;
  image->config = read_member (reader, config_name, DOCKER_TAR_MAX_JSON_SIZE, cancellable, error);
  if (image->config == NULL)
    return NULL;
  image->config_digest = skopos_digest_compute_bytes ("sha256", image->config);

  g_autofree char *claimed = digest_from_member_name (config_name);
  if (claimed != NULL && strcmp (claimed, image->config_digest) != 0)
    {
      skopos_throw (error, SKOPOS_ERROR_DIGEST_MISMATCH,
                    "config '%s' in '%s' does not match the digest its name claims: its digest "
                    "is %s", config_name, display_name, image->config_digest);
      return NULL;
    }

  g_auto (GStrv) diff_ids = config_diff_ids (image->config, config_name, display_name, error);
  if (diff_ids == NULL)
    return NULL;
  if (!load_layers (image, index, item, diff_ids, cancellable, error))
    return NULL;

  image->manifest = build_manifest (image, diff_ids);
  return g_steal_pointer (&image);
}

GBytes *
docker_tar_image_get_manifest (DockerTarImage *image)
{
  return image->manifest;
}

gboolean
docker_tar_image_get_blob (DockerTarImage *image, const char *digest, GInputStream **out_stream,
                           gint64 *out_size, GCancellable *cancellable, GError **error)
{
  if (strcmp (digest, image->config_digest) == 0)
    {
      *out_stream = g_memory_input_stream_new_from_bytes (image->config);
      *out_size = g_bytes_get_size (image->config);
      return TRUE;
    }

  Layer *layer = g_hash_table_lookup (image->layers, digest);
  if (layer == NULL)
    return skopos_throw (error, SKOPOS_ERROR_NOT_FOUND, "blob %s is not part of the image in '%s'",
                         digest, docker_tar_reader_get_display_name (image->reader));

  g_autoptr (GInputStream) raw = docker_tar_reader_open_member (image->reader, layer->member, NULL,
                                                                error);
  if (raw == NULL)
    return FALSE;
  GInputStream *plain = skopos_compression_auto_decompress_stream (raw, cancellable, error);
  if (plain == NULL)
    return FALSE;
  *out_stream = plain;
  *out_size = layer->size;
  return TRUE;
}
