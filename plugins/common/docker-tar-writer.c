/* docker-tar-writer.c: writing a `docker save` archive as one forward stream.
 *
 * Blobs are written as they arrive, as containers/image does: the config as
 * "<hex>.json" and each layer as a plain tar "<hex>.tar" named by its diff ID. The
 * image's manifest then adds the legacy per-layer folders (VERSION, json, and
 * layer.tar linking to the layer), and finish() writes manifest.json, `repositories`
 * and the end of the archive. Nothing is ever written twice or out of order, so the
 * output may be a pipe.
 *
 * A layer that arrives compressed (or without a known size, which a tar header needs
 * before the data) is decompressed into a temporary file first, hashing it on the way,
 * so the member's name and size are known when its header is written.
 *
 * Once a member has been left half-written the writer is broken: it refuses any
 * further call, and finish() never makes the stream look complete.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "docker-tar-private.h"

#define COPY_BUFFER_SIZE (256 * 1024)

const char *const docker_tar_manifest_types[] = { SKOPOS_MEDIA_TYPE_DOCKER_V2S2, NULL };

typedef struct
{
  char *member; /* where its bytes are in the archive */
  gint64 size;
  char *diff_id; /* layers only: the digest of the member's bytes */
} StoredBlob;

typedef struct
{
  char *config;
  GPtrArray *repo_tags; /* char* */
  GPtrArray *layers;    /* char* */
} Item;

struct _DockerTarWriter
{
  GOutputStream *output;
  char *tmpdir;
  DockerTarArchive *archive;
  GCancellable *cancellable; /* of the call in progress, for write_cb() */
  GError *io_error;          /* the first error write_cb() met */
  gboolean broken;
  gboolean finished;
  gboolean discarding; /* being freed without finish(): write nothing more */
  GHashTable *blobs;   /* digest as put → StoredBlob* */
  GHashTable *members; /* member names written (a set) */
  GHashTable *configs; /* config digest → GBytes* */
  GPtrArray *items;    /* Item*, the future manifest.json */
  GHashTable *repositories; /* repository → (tag → legacy layer ID) */
};

static void
stored_blob_free (StoredBlob *blob)
{
  g_free (blob->member);
  g_free (blob->diff_id);
  g_free (blob);
}

static void
item_free (Item *item)
{
  g_free (item->config);
  g_ptr_array_unref (item->repo_tags);
  g_ptr_array_unref (item->layers);
  g_free (item);
}

static la_ssize_t
write_cb (struct archive *archive, void *data, const void *buf, size_t len)
{
  DockerTarWriter *self = data;

  if (self->discarding)
    {
      archive_set_error (archive, ECANCELED, "the archive is being discarded");
      return -1;
    }
  if (self->io_error != NULL)
    {
      archive_set_error (archive, EIO, "%s", self->io_error->message);
      return -1;
    }

  gsize written = 0;
  if (!g_output_stream_write_all (self->output, buf, len, &written, self->cancellable,
                                  &self->io_error))
    {
      archive_set_error (archive, EIO, "%s", self->io_error->message);
      return -1;
    }
  return len;
}

DockerTarWriter *
docker_tar_writer_new (GOutputStream *output, const char *tmpdir)
{
  DockerTarWriter *self = g_new0 (DockerTarWriter, 1);
  self->output = g_object_ref (output);
  self->tmpdir = g_strdup (tmpdir);
  self->blobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) stored_blob_free);
  self->members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->configs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_bytes_unref);
  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  self->repositories = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_hash_table_unref);

  /* ustar headers, pax ones only where a name needs them (as Go's archive/tar does);
   * no blocking, so every byte goes out as soon as it is written and nothing pads
   * the end beyond the two empty records tar requires. */
  self->archive = archive_write_new ();
  archive_write_set_format_pax_restricted (self->archive);
  archive_write_add_filter_none (self->archive);
  archive_write_set_bytes_per_block (self->archive, 0);
  if (archive_write_open (self->archive, self, NULL, write_cb, NULL) != ARCHIVE_OK)
    self->broken = TRUE;
  return self;
}

void
docker_tar_writer_free (DockerTarWriter *self)
{
  if (self == NULL)
    return;

  /* Closing the handle would write the end-of-archive records; a stream that was not
   * finished must stay visibly truncated. */
  self->discarding = !self->finished;
  if (self->archive != NULL)
    archive_write_free (self->archive);
  g_clear_error (&self->io_error);
  g_object_unref (self->output);
  g_free (self->tmpdir);
  g_hash_table_unref (self->blobs);
  g_hash_table_unref (self->members);
  g_hash_table_unref (self->configs);
  g_ptr_array_unref (self->items);
  g_hash_table_unref (self->repositories);
  g_free (self);
}

static gboolean
check_usable (DockerTarWriter *self, GCancellable *cancellable, GError **error)
{
  self->cancellable = cancellable;
  if (self->finished)
    return skopos_throw (error, SKOPOS_ERROR_FAILED, "the archive was already finished");
  if (self->broken)
    return skopos_throw (error, SKOPOS_ERROR_FAILED,
                         "the archive stream is incomplete after an earlier error");
  return TRUE;
}

/* Marks the writer broken and reports why: the output's own error when there is one. */
static gboolean
fail (DockerTarWriter *self, const char *member, GError **error)
{
  self->broken = TRUE;
  if (self->io_error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&self->io_error), "Writing '%s': ",
                                  member);
      return FALSE;
    }
  return skopos_throw (error, SKOPOS_ERROR_FAILED, "Writing '%s' into the archive: %s", member,
                       archive_error_string (self->archive));
}

static gboolean
begin_member (DockerTarWriter *self, const char *name, gint64 size, const char *symlink_target,
              GError **error)
{
  g_autoptr (DockerTarEntry) entry = archive_entry_new ();
  archive_entry_set_pathname (entry, name);
  archive_entry_set_mtime (entry, 0, 0);
  archive_entry_set_uid (entry, 0);
  archive_entry_set_gid (entry, 0);
  if (symlink_target != NULL)
    {
      archive_entry_set_filetype (entry, AE_IFLNK);
      archive_entry_set_perm (entry, 0777);
      archive_entry_set_symlink (entry, symlink_target);
      archive_entry_set_size (entry, 0);
    }
  else
    {
      archive_entry_set_filetype (entry, AE_IFREG);
      archive_entry_set_perm (entry, 0444);
      archive_entry_set_size (entry, size);
    }

  if (archive_write_header (self->archive, entry) != ARCHIVE_OK)
    return fail (self, name, error);
  g_hash_table_add (self->members, g_strdup (name));
  g_debug ("writing '%s' (%" G_GINT64_FORMAT " bytes)", name, size);
  return TRUE;
}

static gboolean
end_member (DockerTarWriter *self, const char *name, GError **error)
{
  if (archive_write_finish_entry (self->archive) != ARCHIVE_OK)
    return fail (self, name, error);
  return TRUE;
}

static gboolean
write_data (DockerTarWriter *self, const char *name, const void *data, gsize len, GError **error)
{
  const guint8 *p = data;
  while (len > 0)
    {
      la_ssize_t n = archive_write_data (self->archive, p, len);
      if (n <= 0)
        return fail (self, name, error);
      p += n;
      len -= n;
    }
  return TRUE;
}

static gboolean
write_bytes_member (DockerTarWriter *self, const char *name, GBytes *bytes, GError **error)
{
  gsize len = 0;
  const void *data = g_bytes_get_data (bytes, &len);
  return begin_member (self, name, len, NULL, error) && write_data (self, name, data, len, error)
         && end_member (self, name, error);
}

static gboolean
write_string_member (DockerTarWriter *self, const char *name, const char *text, GError **error)
{
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  return write_bytes_member (self, name, bytes, error);
}

/* Copies exactly @size bytes of @stream into member @name, then checks that the
 * stream ends there (which is also when a verifying stream checks its digest). */
static gboolean
copy_member (DockerTarWriter *self, const char *name, GInputStream *stream, gint64 size,
             const char *digest, GCancellable *cancellable, GError **error)
{
  if (!begin_member (self, name, size, NULL, error))
    return FALSE;

  g_autofree guint8 *buf = g_malloc (COPY_BUFFER_SIZE);
  gint64 left = size;
  while (left > 0)
    {
      gssize n = g_input_stream_read (stream, buf, MIN (left, COPY_BUFFER_SIZE), cancellable,
                                      error);
      if (n < 0)
        {
          self->broken = TRUE;
          return FALSE;
        }
      if (n == 0)
        {
          self->broken = TRUE;
          return skopos_throw (error, SKOPOS_ERROR_SIZE_MISMATCH,
                               "blob %s ended after %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                               " bytes", digest, size - left, size);
        }
      if (!write_data (self, name, buf, n, error))
        return FALSE;
      left -= n;
    }

  gssize extra = g_input_stream_read (stream, buf, 1, cancellable, error);
  if (extra != 0)
    {
      self->broken = TRUE;
      if (extra < 0)
        return FALSE;
      return skopos_throw (error, SKOPOS_ERROR_SIZE_MISMATCH,
                           "blob %s is larger than its stated size (%" G_GINT64_FORMAT " bytes)",
                           digest, size);
    }
  return end_member (self, name, error);
}

static gboolean
drain (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  g_autofree guint8 *buf = g_malloc (COPY_BUFFER_SIZE);
  gssize n;
  while ((n = g_input_stream_read (stream, buf, COPY_BUFFER_SIZE, cancellable, error)) > 0)
    ;
  return n == 0;
}

gboolean
docker_tar_writer_has_blob (DockerTarWriter *self, const char *digest, gint64 *out_size)
{
  StoredBlob *blob = g_hash_table_lookup (self->blobs, digest);
  if (blob == NULL)
    return FALSE;
  if (out_size != NULL)
    *out_size = blob->size;
  return TRUE;
}

static void
record_blob (DockerTarWriter *self, const char *digest, const char *member, gint64 size,
             const char *diff_id)
{
  StoredBlob *blob = g_new0 (StoredBlob, 1);
  blob->member = g_strdup (member);
  blob->size = size;
  blob->diff_id = g_strdup (diff_id);
  g_hash_table_replace (self->blobs, g_strdup (digest), blob);
}

static gboolean
put_config (DockerTarWriter *self, GInputStream *stream, const SkoposBlobInfo *info,
            GCancellable *cancellable, GError **error)
{
  g_autoptr (GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autofree guint8 *buf = g_malloc (COPY_BUFFER_SIZE);
  gsize total = 0;
  for (;;)
    {
      gssize n = g_input_stream_read (stream, buf, COPY_BUFFER_SIZE, cancellable, error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      total += n;
      if (total > DOCKER_TAR_MAX_JSON_SIZE)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                             "config %s is larger than %d bytes", info->digest,
                             DOCKER_TAR_MAX_JSON_SIZE);
      if (!g_output_stream_write_all (memory, buf, n, NULL, cancellable, error))
        return FALSE;
    }
  if (!g_output_stream_close (memory, cancellable, error))
    return FALSE;

  g_autoptr (GBytes) config = g_memory_output_stream_steal_as_bytes (
      G_MEMORY_OUTPUT_STREAM (memory));
  g_autofree char *member = g_strconcat (skopos_digest_get_hex (info->digest), ".json", NULL);
  if (!write_bytes_member (self, member, config, error))
    return FALSE;

  record_blob (self, info->digest, member, g_bytes_get_size (config), NULL);
  g_hash_table_replace (self->configs, g_strdup (info->digest), g_bytes_ref (config));
  return TRUE;
}

/* Decompresses @stream (when @compression says so) into a temporary file, hashing
 * what is written; @raw is then read to its end, so a verifying stream under it has
 * checked the compressed bytes before any of this is kept. */
static char *
spool_layer (DockerTarWriter *self, GInputStream *stream, GInputStream *raw,
             SkoposCompression compression, char **out_diff_id, gint64 *out_size,
             GCancellable *cancellable, GError **error)
{
  g_autoptr (GInputStream) plain = skopos_compression_decompress_stream (stream, compression,
                                                                         error);
  if (plain == NULL)
    return NULL;

  g_autoptr (GInputStream) measured = skopos_digest_input_stream_new (plain, NULL, -1);
  gint64 size = 0;
  g_autofree char *path = skopos_stream_to_temp_file (measured, self->tmpdir, &size, cancellable,
                                                      error);
  if (path == NULL)
    return NULL;

  if (!drain (raw, cancellable, error))
    {
      g_unlink (path);
      return NULL;
    }

  *out_diff_id = g_strdup (skopos_digest_input_stream_get_digest (measured));
  *out_size = size;
  return g_steal_pointer (&path);
}

static gboolean
put_layer (DockerTarWriter *self, GInputStream *stream, const SkoposBlobInfo *info,
           GCancellable *cancellable, GError **error)
{
  g_autoptr (GInputStream) buffered = g_buffered_input_stream_new (stream);
  if (g_buffered_input_stream_fill (G_BUFFERED_INPUT_STREAM (buffered), 4, cancellable, error) < 0)
    return FALSE;
  gsize available = 0;
  const guint8 *peek = g_buffered_input_stream_peek_buffer (G_BUFFERED_INPUT_STREAM (buffered),
                                                            &available);
  SkoposCompression compression = skopos_compression_detect (peek, available);

  if (compression == SKOPOS_COMPRESSION_NONE && info->size >= 0)
    {
      g_autofree char *member = g_strconcat (skopos_digest_get_hex (info->digest), ".tar", NULL);
      if (!copy_member (self, member, buffered, info->size, info->digest, cancellable, error))
        return FALSE;
      record_blob (self, info->digest, member, info->size, info->digest);
      return TRUE;
    }

  g_debug ("layer %s: %s, %s size; spooling it first", info->digest,
           skopos_compression_to_string (compression), info->size >= 0 ? "known" : "unknown");
  g_autofree char *diff_id = NULL;
  gint64 size = 0;
  g_autofree char *path = spool_layer (self, buffered, buffered, compression, &diff_id, &size,
                                       cancellable, error);
  if (path == NULL)
    return skopos_prefix_error (error, "Layer %s: ", info->digest);

  g_autofree char *member = g_strconcat (skopos_digest_get_hex (diff_id), ".tar", NULL);
  gboolean ok = TRUE;
  if (!g_hash_table_contains (self->members, member))
    {
      g_autoptr (GFile) file = g_file_new_for_path (path);
      g_autoptr (GFileInputStream) spooled = g_file_read (file, cancellable, error);
      ok = spooled != NULL
           && copy_member (self, member, G_INPUT_STREAM (spooled), size, diff_id, cancellable,
                           error);
    }
  g_unlink (path);
  if (!ok)
    return FALSE;

  record_blob (self, info->digest, member, size, diff_id);
  if (!g_hash_table_contains (self->blobs, diff_id))
    record_blob (self, diff_id, member, size, diff_id);
  return TRUE;
}

gboolean
docker_tar_writer_put_blob (DockerTarWriter *self, GInputStream *stream,
                            const SkoposBlobInfo *info, GCancellable *cancellable, GError **error)
{
  if (!check_usable (self, cancellable, error))
    return FALSE;

  if (g_hash_table_contains (self->blobs, info->digest))
    {
      g_debug ("blob %s is in the archive already", info->digest);
      return drain (stream, cancellable, error);
    }

  if (info->is_config)
    return put_config (self, stream, info, cancellable, error);
  return put_layer (self, stream, info, cancellable, error);
}

/* ---- images --------------------------------------------------------------------- */

static char *
node_to_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}

/* The parts of the image config the legacy json of the top layer repeats. */
static void
copy_config_fields (JsonObject *target, GBytes *config)
{
  static const char *const fields[] = {
    "architecture", "config", "container", "container_config", "created", "docker_version",
    "os", NULL,
  };
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *text = g_bytes_get_data (config, &len);
  if (!json_parser_load_from_data (parser, text, len, NULL))
    return;
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;

  JsonObject *object = json_node_get_object (root);
  for (const char *const *f = fields; *f != NULL; f++)
    {
      JsonNode *node = json_object_get_member (object, *f);
      if (node != NULL)
        json_object_set_member (target, *f, json_node_copy (node));
    }
}

/* Writes the folders older docker versions load images from: one per layer, with
 * VERSION, json (id and parent; the top one also carries the image config's fields)
 * and layer.tar, a link to the layer tar. Returns the top layer's ID (or NULL for an
 * image without layers). IDs follow the layer chain and, for the top layer, the
 * config, so different images never share a folder they disagree about. */
static char *
write_legacy_layers (DockerTarWriter *self, GPtrArray *diff_ids, GPtrArray *members,
                     GBytes *config, const char *config_digest, GError **error)
{
  g_autofree char *chain = NULL;
  g_autofree char *parent = NULL;

  for (guint i = 0; i < diff_ids->len; i++)
    {
      const char *diff_id = diff_ids->pdata[i];
      gboolean top = i + 1 == diff_ids->len;
      char *next = chain == NULL ? g_strdup (diff_id)
                                 : g_strdup_printf ("%s %s", chain, diff_id);
      g_free (chain);
      chain = next;

      g_autofree char *seed = g_strdup_printf ("skopos legacy layer\n%s\n%s", chain,
                                               top ? config_digest : "");
      g_autofree char *digest = skopos_digest_compute ("sha256", seed, strlen (seed));
      g_autofree char *id = g_strdup (skopos_digest_get_hex (digest));
      g_autofree char *version_name = g_strconcat (id, "/VERSION", NULL);

      if (!g_hash_table_contains (self->members, version_name))
        {
          g_autoptr (JsonObject) object = json_object_new ();
          json_object_set_string_member (object, "id", id);
          if (parent != NULL)
            json_object_set_string_member (object, "parent", parent);
          if (top)
            copy_config_fields (object, config);
          g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), object);
          g_autofree char *json = node_to_json (node);
          g_autofree char *json_name = g_strconcat (id, "/json", NULL);
          g_autofree char *link_name = g_strconcat (id, "/layer.tar", NULL);
          g_autofree char *target = g_strconcat ("../", (char *) members->pdata[i], NULL);

          if (!write_string_member (self, version_name, "1.0", error)
              || !write_string_member (self, json_name, json, error)
              || !begin_member (self, link_name, 0, target, error)
              || !end_member (self, link_name, error))
            return NULL;
        }

      g_free (parent);
      parent = g_steal_pointer (&id);
    }
  return g_steal_pointer (&parent);
}

static Item *
find_or_add_item (DockerTarWriter *self, const char *config_member, GPtrArray *layers)
{
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];
      if (strcmp (item->config, config_member) == 0)
        return item;
    }

  Item *item = g_new0 (Item, 1);
  item->config = g_strdup (config_member);
  item->repo_tags = g_ptr_array_new_with_free_func (g_free);
  item->layers = g_ptr_array_ref (layers);
  g_ptr_array_add (self->items, item);
  return item;
}

static void
record_repository_tag (DockerTarWriter *self, const char *repo_tag, const char *top_layer_id)
{
  const char *colon = strrchr (repo_tag, ':');
  g_autofree char *repository = g_strndup (repo_tag, colon - repo_tag);
  GHashTable *tags = g_hash_table_lookup (self->repositories, repository);
  if (tags == NULL)
    {
      tags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (self->repositories, g_strdup (repository), tags);
    }
  g_hash_table_replace (tags, g_strdup (colon + 1), g_strdup (top_layer_id));
}

gboolean
docker_tar_writer_add_image (DockerTarWriter *self, GBytes *manifest_bytes,
                             const char *media_type, const char *const *repo_tags,
                             GCancellable *cancellable, GError **error)
{
  if (!check_usable (self, cancellable, error))
    return FALSE;

  g_autoptr (SkoposManifest) manifest = skopos_manifest_parse (manifest_bytes, media_type, error);
  if (manifest == NULL)
    return FALSE;
  if (strcmp (manifest->media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S2) != 0
      || manifest->config == NULL)
    return skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                         "a docker archive holds Docker schema 2 images only, not %s",
                         manifest->media_type);

  GBytes *config = g_hash_table_lookup (self->configs, manifest->config->digest);
  StoredBlob *config_blob = g_hash_table_lookup (self->blobs, manifest->config->digest);
  if (config == NULL || config_blob == NULL)
    return skopos_throw (error, SKOPOS_ERROR_FAILED,
                         "the manifest names config %s, which was not stored before it",
                         manifest->config->digest);

  g_autoptr (GPtrArray) members = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) diff_ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < manifest->layers->len; i++)
    {
      const SkoposDescriptor *layer = manifest->layers->pdata[i];
      StoredBlob *blob = g_hash_table_lookup (self->blobs, layer->digest);
      if (blob == NULL || blob->diff_id == NULL)
        return skopos_throw (error, SKOPOS_ERROR_FAILED,
                             "the manifest names layer %s, which was not stored before it",
                             layer->digest);
      g_ptr_array_add (members, g_strdup (blob->member));
      g_ptr_array_add (diff_ids, g_strdup (blob->diff_id));
    }

  g_autofree char *top_layer_id = write_legacy_layers (self, diff_ids, members, config,
                                                       manifest->config->digest, error);
  if (top_layer_id == NULL && diff_ids->len > 0)
    return FALSE;

  Item *item = find_or_add_item (self, config_blob->member, members);
  for (const char *const *t = repo_tags; t != NULL && *t != NULL; t++)
    {
      if (!g_ptr_array_find_with_equal_func (item->repo_tags, *t, g_str_equal, NULL))
        g_ptr_array_add (item->repo_tags, g_strdup (*t));
      if (top_layer_id != NULL)
        record_repository_tag (self, *t, top_layer_id);
    }
  return TRUE;
}

/* ---- the end of the archive ---------------------------------------------------------- */

static JsonNode *
string_array_node (GPtrArray *strings)
{
  JsonArray *array = json_array_sized_new (strings->len);
  for (guint i = 0; i < strings->len; i++)
    json_array_add_string_element (array, strings->pdata[i]);
  JsonNode *node = json_node_init_array (json_node_alloc (), array);
  json_array_unref (array);
  return node;
}

static char *
manifest_json (DockerTarWriter *self)
{
  g_autoptr (JsonArray) array = json_array_new ();
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];
      JsonObject *object = json_object_new ();
      json_object_set_string_member (object, "Config", item->config);
      json_object_set_member (object, "RepoTags", string_array_node (item->repo_tags));
      json_object_set_member (object, "Layers", string_array_node (item->layers));
      json_array_add_object_element (array, object);
    }
  g_autoptr (JsonNode) root = json_node_init_array (json_node_alloc (), array);
  return node_to_json (root);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static GPtrArray *
sorted_keys (GHashTable *table)
{
  GPtrArray *keys = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, compare_strings);
  return keys;
}

/* {"repository": {"tag": "top layer ID"}}, keys sorted as Go writes maps. */
static char *
repositories_json (DockerTarWriter *self)
{
  g_autoptr (JsonObject) object = json_object_new ();
  g_autoptr (GPtrArray) repositories = sorted_keys (self->repositories);
  for (guint i = 0; i < repositories->len; i++)
    {
      GHashTable *tags = g_hash_table_lookup (self->repositories, repositories->pdata[i]);
      g_autoptr (GPtrArray) names = sorted_keys (tags);
      JsonObject *inner = json_object_new ();
      for (guint j = 0; j < names->len; j++)
        json_object_set_string_member (inner, names->pdata[j],
                                       g_hash_table_lookup (tags, names->pdata[j]));
      json_object_set_object_member (object, repositories->pdata[i], inner);
    }
  g_autoptr (JsonNode) root = json_node_init_object (json_node_alloc (), object);
  return node_to_json (root);
}

gboolean
docker_tar_writer_finish (DockerTarWriter *self, GCancellable *cancellable, GError **error)
{
  if (!check_usable (self, cancellable, error))
    return FALSE;
  if (self->items->len == 0)
    return skopos_throw (error, SKOPOS_ERROR_FAILED, "no image was written into the archive");

  g_autofree char *manifest = manifest_json (self);
  g_autofree char *repositories = repositories_json (self);
  if (!write_string_member (self, "manifest.json", manifest, error)
      || !write_string_member (self, "repositories", repositories, error))
    return FALSE;

  if (archive_write_close (self->archive) != ARCHIVE_OK)
    return fail (self, "the end of the archive", error);
  if (!g_output_stream_flush (self->output, cancellable, error))
    {
      self->broken = TRUE;
      return FALSE;
    }
  self->finished = TRUE;
  return TRUE;
}

char *
docker_tar_repo_tag_from_string (const char *text, GError **error)
{
  g_autoptr (SkoposDockerReference) ref = skopos_docker_reference_parse (text, error);
  if (ref == NULL)
    return NULL;
  if (skopos_docker_reference_get_digest (ref) != NULL)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                    "'%s' has a digest; an archive can only record name:tag", text);
      return NULL;
    }
  if (skopos_docker_reference_get_tag (ref) == NULL)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE, "'%s' must be a tagged reference", text);
      return NULL;
    }
  g_autofree char *name = skopos_docker_reference_dup_name (ref);
  return g_strdup_printf ("%s:%s", name, skopos_docker_reference_get_tag (ref));
}
