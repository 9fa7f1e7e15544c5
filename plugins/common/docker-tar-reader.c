/* docker-tar-reader.c: opening a `docker save` archive and finding its members.
 *
 * The archive is scanned once when it is opened: every member name is cleaned and
 * checked (no absolute names, no "..", no link leading outside the archive, no name
 * stored twice), and manifest.json is read on the way. Member data is read later by
 * scanning again up to the member, in a libarchive handle of its own; on a plain file
 * libarchive skips over other members with lseek(), so this costs little and several
 * members can be read at once from different threads.
 *
 * Archives compressed as a whole, and inputs that cannot be read twice (pipes), are
 * first copied, decompressed, into a temporary file that the reader removes when it is
 * freed. Nothing is ever extracted.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docker-tar-private.h"

/* Link chains longer than this are refused (they would also catch loops). */
#define MAX_LINK_HOPS 16

void
docker_tar_archive_free (DockerTarArchive *archive)
{
  if (archive != NULL)
    archive_free (archive);
}

static void
member_free (DockerTarMember *member)
{
  g_free (member->name);
  g_free (member->link);
  g_free (member);
}

static void
manifest_item_free (DockerTarManifestItem *item)
{
  g_free (item->config);
  g_strfreev (item->repo_tags);
  g_strfreev (item->layers);
  g_free (item);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DockerTarManifestItem, manifest_item_free)

void
docker_tar_reader_free (DockerTarReader *reader)
{
  if (reader == NULL)
    return;
  if (reader->remove_when_done && reader->path != NULL && g_unlink (reader->path) != 0)
    g_debug ("could not remove temporary archive '%s': %s", reader->path, g_strerror (errno));
  g_free (reader->path);
  g_free (reader->display_name);
  g_clear_pointer (&reader->members, g_hash_table_unref);
  g_clear_pointer (&reader->images, g_ptr_array_unref);
  g_free (reader);
}

char *
docker_tar_clean_member_name (const char *name, GError **error)
{
  if (name[0] == '/')
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "member '%s' has an absolute name; refusing the archive", name);
      return NULL;
    }

  g_auto (GStrv) parts = g_strsplit (name, "/", -1);
  g_autoptr (GPtrArray) kept = g_ptr_array_new ();
  for (char **p = parts; *p != NULL; p++)
    {
      if (**p == '\0' || strcmp (*p, ".") == 0)
        continue;
      if (strcmp (*p, "..") == 0)
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                        "member '%s' has a '..' component; refusing the archive", name);
          return NULL;
        }
      g_ptr_array_add (kept, *p);
    }
  g_ptr_array_add (kept, NULL);
  return g_strjoinv ("/", (char **) kept->pdata);
}

/* Resolves @target relative to the folder @base ("" for the archive root) and refuses
 * anything that would leave the archive. */
static char *
resolve_link (const char *member, const char *base, const char *target, GError **error)
{
  if (target[0] == '/')
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "link '%s' points to the absolute path '%s', outside the archive; "
                    "refusing the archive", member, target);
      return NULL;
    }

  g_auto (GStrv) base_parts = g_strsplit (base, "/", -1);
  g_auto (GStrv) target_parts = g_strsplit (target, "/", -1);
  g_autoptr (GPtrArray) stack = g_ptr_array_new ();
  for (char **p = base_parts; *p != NULL; p++)
    if (**p != '\0')
      g_ptr_array_add (stack, *p);

  for (char **p = target_parts; *p != NULL; p++)
    {
      if (**p == '\0' || strcmp (*p, ".") == 0)
        continue;
      if (strcmp (*p, "..") != 0)
        {
          g_ptr_array_add (stack, *p);
          continue;
        }
      if (stack->len == 0)
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                        "link '%s' points to '%s', outside the archive; refusing the archive",
                        member, target);
          return NULL;
        }
      g_ptr_array_remove_index (stack, stack->len - 1);
    }
  g_ptr_array_add (stack, NULL);
  return g_strjoinv ("/", (char **) stack->pdata);
}

/* Opens @path, a plain tar, for one pass over its members. */
DockerTarArchive *
docker_tar_open_plain (const char *path, const char *display_name, GError **error)
{
  g_autoptr (DockerTarArchive) archive = archive_read_new ();
  archive_read_support_format_tar (archive);
  if (archive_read_open_filename (archive, path, 64 * 1024) != ARCHIVE_OK)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "'%s' cannot be read as a tar archive: %s",
                    display_name, archive_error_string (archive));
      return NULL;
    }
  return g_steal_pointer (&archive);
}

/* Reads the rest of the current member into memory, refusing more than @limit bytes. */
GBytes *
docker_tar_read_entry_data (DockerTarArchive *archive, const char *display_name,
                            const char *member, gsize limit, GError **error)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();
  guint8 buf[64 * 1024];

  for (;;)
    {
      la_ssize_t n = archive_read_data (archive, buf, sizeof buf);
      if (n < 0)
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "Reading '%s' from '%s': %s", member,
                        display_name, archive_error_string (archive));
          return NULL;
        }
      if (n == 0)
        break;
      if (data->len + (gsize) n > limit)
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                        "'%s' in '%s' is larger than %" G_GSIZE_FORMAT " bytes", member,
                        display_name, limit);
          return NULL;
        }
      g_byte_array_append (data, buf, n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

/* Records one member; sets @out_member to it, or to NULL for what is not recorded (the
 * root folder, a folder seen before). */
static gboolean
add_member (DockerTarReader *reader, DockerTarEntry *entry, guint ordinal,
            DockerTarMember **out_member, GError **error)
{
  *out_member = NULL;

  const char *raw_name = archive_entry_pathname (entry);
  if (raw_name == NULL)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "member #%u of '%s' has a name that cannot be read", ordinal,
                         reader->display_name);

  g_autofree char *name = docker_tar_clean_member_name (raw_name, error);
  if (name == NULL)
    return skopos_prefix_error (error, "'%s': ", reader->display_name);

  DockerTarMemberType type;
  g_autofree char *link = NULL;
  const char *hardlink = archive_entry_hardlink (entry);
  const char *symlink = archive_entry_symlink (entry);
  if (hardlink != NULL)
    {
      type = DOCKER_TAR_MEMBER_HARDLINK;
      link = resolve_link (raw_name, "", hardlink, error);
    }
  else if (archive_entry_filetype (entry) == AE_IFLNK)
    {
      g_autofree char *dir = g_path_get_dirname (name);
      type = DOCKER_TAR_MEMBER_SYMLINK;
      link = resolve_link (raw_name, strcmp (dir, ".") == 0 ? "" : dir,
                           symlink != NULL ? symlink : "", error);
    }
  else if (archive_entry_filetype (entry) == AE_IFREG)
    type = DOCKER_TAR_MEMBER_FILE;
  else if (archive_entry_filetype (entry) == AE_IFDIR)
    type = DOCKER_TAR_MEMBER_DIR;
  else
    type = DOCKER_TAR_MEMBER_OTHER;

  if ((type == DOCKER_TAR_MEMBER_HARDLINK || type == DOCKER_TAR_MEMBER_SYMLINK) && link == NULL)
    return skopos_prefix_error (error, "'%s': ", reader->display_name);

  if (*name == '\0')
    return TRUE; /* "./", the archive's own root */

  DockerTarMember *existing = g_hash_table_lookup (reader->members, name);
  if (existing != NULL)
    {
      if (existing->type == DOCKER_TAR_MEMBER_DIR && type == DOCKER_TAR_MEMBER_DIR)
        return TRUE;
      return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                           "'%s' holds the member '%s' twice; refusing the ambiguous archive",
                           reader->display_name, name);
    }

  DockerTarMember *member = g_new0 (DockerTarMember, 1);
  member->name = g_steal_pointer (&name);
  member->type = type;
  member->size = archive_entry_size_is_set (entry) ? archive_entry_size (entry) : 0;
  member->link = g_steal_pointer (&link);
  member->ordinal = ordinal;
  g_hash_table_insert (reader->members, member->name, member);
  *out_member = member;
  return TRUE;
}

static gboolean
scan_members (DockerTarReader *reader, GBytes **out_manifest_json, GCancellable *cancellable,
              GError **error)
{
  g_autoptr (DockerTarArchive) archive = docker_tar_open_plain (reader->path,
                                                                reader->display_name, error);
  if (archive == NULL)
    return FALSE;

  g_autoptr (GBytes) manifest_json = NULL;
  for (guint ordinal = 0;; ordinal++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      struct archive_entry *entry = NULL;
      int r = archive_read_next_header (archive, &entry);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                             "'%s' is not a valid tar archive: %s", reader->display_name,
                             archive_error_string (archive));
      if (r == ARCHIVE_WARN)
        g_debug ("'%s', member #%u: %s", reader->display_name, ordinal,
                 archive_error_string (archive));

      DockerTarMember *member = NULL;
      if (!add_member (reader, entry, ordinal, &member, error))
        return FALSE;

      if (member != NULL && member->type == DOCKER_TAR_MEMBER_FILE
          && strcmp (member->name, "manifest.json") == 0)
        {
          manifest_json = docker_tar_read_entry_data (archive, reader->display_name,
                                                      "manifest.json", DOCKER_TAR_MAX_JSON_SIZE,
                                                      error);
          if (manifest_json == NULL)
            return FALSE;
        }
    }

  *out_manifest_json = g_steal_pointer (&manifest_json);
  return TRUE;
}

static char **
json_string_list (JsonNode *node, const char *field, guint index, const char *display_name,
                  GError **error)
{
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                        "manifest.json of '%s', image %u: %s is not a list", display_name,
                        index, field);
          return NULL;
        }
      JsonArray *array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          if (!JSON_NODE_HOLDS_VALUE (element)
              || json_node_get_value_type (element) != G_TYPE_STRING)
            {
              skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                            "manifest.json of '%s', image %u: %s[%u] is not a string",
                            display_name, index, field, i);
              return NULL;
            }
          g_ptr_array_add (list, g_strdup (json_node_get_string (element)));
        }
    }
  g_ptr_array_add (list, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&list), FALSE);
}

static gboolean
parse_manifest_json (DockerTarReader *reader, GBytes *data, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *text = g_bytes_get_data (data, &len);
  g_autoptr (GError) local_error = NULL;
  if (!json_parser_load_from_data (parser, text, len, &local_error))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "manifest.json of '%s' is not JSON: %s",
                         reader->display_name, local_error->message);

  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "manifest.json of '%s' is not a list of images", reader->display_name);

  JsonArray *array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                             "manifest.json of '%s': image %u is not an object",
                             reader->display_name, i);
      JsonObject *object = json_node_get_object (node);

      JsonNode *config = json_object_get_member (object, "Config");
      if (config == NULL || !JSON_NODE_HOLDS_VALUE (config)
          || json_node_get_value_type (config) != G_TYPE_STRING
          || *json_node_get_string (config) == '\0')
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                             "manifest.json of '%s': image %u has no Config",
                             reader->display_name, i);

      g_autoptr (DockerTarManifestItem) item = g_new0 (DockerTarManifestItem, 1);
      item->config = g_strdup (json_node_get_string (config));
      item->repo_tags = json_string_list (json_object_get_member (object, "RepoTags"), "RepoTags",
                                          i, reader->display_name, error);
      if (item->repo_tags == NULL)
        return FALSE;
      item->layers = json_string_list (json_object_get_member (object, "Layers"), "Layers", i,
                                       reader->display_name, error);
      if (item->layers == NULL)
        return FALSE;
      g_ptr_array_add (reader->images, g_steal_pointer (&item));
    }

  if (reader->images->len == 0)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "manifest.json of '%s' lists no images", reader->display_name);
  return TRUE;
}

static gboolean
write_all_fd (int fd, const void *data, gsize len, const char *path, GError **error)
{
  const guint8 *p = data;
  while (len > 0)
    {
      gssize n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Writing '%s': %s", path,
                       g_strerror (saved));
          return FALSE;
        }
      p += n;
      len -= n;
    }
  return TRUE;
}

/* Sets up libarchive to read one stream, decompressing it when its first bytes show
 * a compression format (the "raw" format gives that stream as its only entry). */
static DockerTarArchive *
open_raw (void)
{
  DockerTarArchive *archive = archive_read_new ();
  archive_read_support_filter_gzip (archive);
  archive_read_support_filter_bzip2 (archive);
  archive_read_support_filter_xz (archive);
  archive_read_support_filter_lzma (archive);
  archive_read_support_filter_zstd (archive);
  archive_read_support_format_raw (archive);
  return archive;
}

/* Copies the (decompressed) data of @archive, opened by open_raw(), into a new
 * temporary file in @tmpdir. */
static char *
spool_raw (DockerTarArchive *archive, const char *display_name, const char *tmpdir,
           GCancellable *cancellable, GError **error)
{
  g_autofree char *template = g_build_filename (tmpdir, "skopos-docker-tar-XXXXXX", NULL);
  int fd = g_mkstemp_full (template, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Creating a temporary file in '%s': %s", tmpdir, g_strerror (saved));
      return NULL;
    }

  gboolean ok = TRUE;
  const void *block;
  size_t size;
  la_int64_t offset;
  for (;;)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      int r = archive_read_data_block (archive, &block, &size, &offset);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        {
          ok = skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "Reading '%s': %s", display_name,
                             archive_error_string (archive));
          break;
        }
      if (!write_all_fd (fd, block, size, template, error))
        {
          ok = FALSE;
          break;
        }
    }

  if (close (fd) != 0 && ok)
    {
      int saved = errno;
      ok = FALSE;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Closing '%s': %s", template,
                   g_strerror (saved));
    }
  if (!ok)
    {
      g_unlink (template);
      return NULL;
    }
  return g_steal_pointer (&template);
}

/* Returns the plain tar to read: @path itself, or a decompressed temporary copy
 * (then *out_is_temp is set). */
static char *
plain_tar_for (const char *path, const char *tmpdir, gboolean *out_is_temp,
               GCancellable *cancellable, GError **error)
{
  struct stat st;
  if (stat (path, &st) != 0)
    {
      int saved = errno;
      if (saved == ENOENT)
        skopos_throw (error, SKOPOS_ERROR_NOT_FOUND, "Opening '%s': %s", path,
                      g_strerror (saved));
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Opening '%s': %s", path,
                     g_strerror (saved));
      return NULL;
    }
  if (S_ISDIR (st.st_mode))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "'%s' is a folder, not an archive", path);
      return NULL;
    }

  if (S_ISREG (st.st_mode) && st.st_size == 0)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "'%s' is empty, not an archive", path);
      return NULL;
    }

  g_autoptr (DockerTarArchive) archive = open_raw ();
  if (archive_read_open_filename (archive, path, 64 * 1024) != ARCHIVE_OK)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "Opening '%s': %s", path,
                    archive_error_string (archive));
      return NULL;
    }

  struct archive_entry *entry = NULL;
  int r = archive_read_next_header (archive, &entry);
  if (r == ARCHIVE_EOF)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "'%s' is empty, not an archive", path);
      return NULL;
    }
  if (r < ARCHIVE_WARN)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "Reading '%s': %s", path,
                    archive_error_string (archive));
      return NULL;
    }

  gboolean compressed = archive_filter_code (archive, 0) != ARCHIVE_FILTER_NONE;
  if (S_ISREG (st.st_mode) && !compressed)
    {
      *out_is_temp = FALSE;
      return g_strdup (path);
    }

  g_debug ("copying '%s' (%s) into a temporary file", path,
           compressed ? archive_filter_name (archive, 0) : "not seekable");
  char *tmp = spool_raw (archive, path, tmpdir, cancellable, error);
  if (tmp != NULL)
    *out_is_temp = TRUE;
  return tmp;
}

DockerTarReader *
docker_tar_reader_open_file (const char *path, const char *display_name, const char *tmpdir,
                             gboolean remove_when_done, GCancellable *cancellable, GError **error)
{
  g_autoptr (DockerTarReader) reader = g_new0 (DockerTarReader, 1);
  reader->display_name = g_strdup (display_name ? display_name : path);
  reader->members = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) member_free);
  reader->images = g_ptr_array_new_with_free_func ((GDestroyNotify) manifest_item_free);

  if (remove_when_done)
    {
      reader->path = g_strdup (path);
      reader->remove_when_done = TRUE;
    }
  else
    {
      gboolean is_temp = FALSE;
      reader->path = plain_tar_for (path, tmpdir, &is_temp, cancellable, error);
      if (reader->path == NULL)
        return NULL;
      reader->remove_when_done = is_temp;
    }

  g_autoptr (GBytes) manifest_json = NULL;
  if (!scan_members (reader, &manifest_json, cancellable, error))
    return NULL;

  if (manifest_json == NULL)
    {
      if (g_hash_table_contains (reader->members, "repositories"))
        {
          skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                        "'%s' has no manifest.json: archives in the legacy format of docker "
                        "before 1.10 are not supported", reader->display_name);
          return NULL;
        }
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "'%s' is not a docker archive: it has no manifest.json",
                    reader->display_name);
      return NULL;
    }

  if (!parse_manifest_json (reader, manifest_json, error))
    return NULL;
  g_debug ("'%s': %u members, %u images", reader->display_name,
           g_hash_table_size (reader->members),
           reader->images->len);
  return g_steal_pointer (&reader);
}

guint
docker_tar_reader_get_n_images (DockerTarReader *reader)
{
  return reader->images->len;
}

const char *const *
docker_tar_reader_get_repo_tags (DockerTarReader *reader, guint index)
{
  g_return_val_if_fail (index < reader->images->len, NULL);
  DockerTarManifestItem *item = g_ptr_array_index (reader->images, index);
  return (const char *const *) item->repo_tags;
}

DockerTarManifestItem *
docker_tar_reader_get_item (DockerTarReader *reader, guint index)
{
  return g_ptr_array_index (reader->images, index);
}

const char *
docker_tar_reader_get_display_name (DockerTarReader *reader)
{
  return reader->display_name;
}

static const char *
images_phrase (guint n)
{
  return n == 1 ? "image" : "images";
}

gboolean
docker_tar_reader_choose (DockerTarReader *reader, const SkoposDockerReference *tag,
                          gint64 index, guint *out_index, GError **error)
{
  guint n = reader->images->len;

  if (tag != NULL)
    {
      g_autofree char *wanted = skopos_docker_reference_to_string (tag);
      for (guint i = 0; i < n; i++)
        {
          DockerTarManifestItem *item = g_ptr_array_index (reader->images, i);
          for (char **t = item->repo_tags; *t != NULL; t++)
            {
              g_autoptr (GError) local_error = NULL;
              g_autoptr (SkoposDockerReference) parsed = NULL;
              parsed = skopos_docker_reference_parse (*t, &local_error);
              if (parsed == NULL)
                return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                                     "manifest.json of '%s', image %u: invalid tag '%s': %s",
                                     reader->display_name, i, *t, local_error->message);
              g_autofree char *normalized = skopos_docker_reference_to_string (parsed);
              if (strcmp (normalized, wanted) == 0)
                {
                  *out_index = i;
                  return TRUE;
                }
            }
        }
      return skopos_throw (error, SKOPOS_ERROR_NOT_FOUND,
                           "tag '%s' not found in '%s', which holds %u %s", wanted,
                           reader->display_name, n, images_phrase (n));
    }

  if (index >= 0)
    {
      if (index >= n)
        return skopos_throw (error, SKOPOS_ERROR_NOT_FOUND,
                             "invalid image index @%" G_GINT64_FORMAT ": '%s' holds %u %s "
                             "(@0 to @%u)", index, reader->display_name, n, images_phrase (n),
                             n - 1);
      *out_index = index;
      return TRUE;
    }

  if (n != 1)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                         "'%s' holds %u images; choose one with :NAME:TAG or :@INDEX "
                         "(@0 to @%u)", reader->display_name, n, n - 1);
  *out_index = 0;
  return TRUE;
}

GPtrArray *
docker_tar_reader_list_tags (DockerTarReader *reader)
{
  GPtrArray *tags = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < reader->images->len; i++)
    {
      DockerTarManifestItem *item = g_ptr_array_index (reader->images, i);
      if (item->repo_tags[0] == NULL)
        g_ptr_array_add (tags, g_strdup_printf ("@%u", i));
      for (char **t = item->repo_tags; *t != NULL; t++)
        g_ptr_array_add (tags, g_strdup (*t));
    }
  return tags;
}

/* Follows links from @name to the regular file holding the data. */
const DockerTarMember *
docker_tar_reader_resolve (DockerTarReader *reader, const char *name, GError **error)
{
  g_autofree char *clean = docker_tar_clean_member_name (name, error);
  if (clean == NULL)
    return NULL;

  const char *current = clean;
  for (guint hops = 0; hops <= MAX_LINK_HOPS; hops++)
    {
      DockerTarMember *member = g_hash_table_lookup (reader->members, current);
      if (member == NULL)
        {
          if (hops == 0)
            skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "'%s' has no member '%s'",
                          reader->display_name, clean);
          else
            skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                          "member '%s' of '%s' is a link to '%s', which is not in the archive",
                          clean, reader->display_name, current);
          return NULL;
        }

      switch (member->type)
        {
        case DOCKER_TAR_MEMBER_FILE:
          return member;
        case DOCKER_TAR_MEMBER_SYMLINK:
        case DOCKER_TAR_MEMBER_HARDLINK:
          current = member->link;
          continue;
        case DOCKER_TAR_MEMBER_DIR:
        case DOCKER_TAR_MEMBER_OTHER:
        default:
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                        "member '%s' of '%s' is not a regular file", member->name,
                        reader->display_name);
          return NULL;
        }
    }

  skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                "member '%s' of '%s' is a chain of more than %d links", clean,
                reader->display_name, MAX_LINK_HOPS);
  return NULL;
}

GInputStream *
docker_tar_reader_open_member (DockerTarReader *reader, const char *name, gint64 *out_size,
                               GError **error)
{
  const DockerTarMember *member = docker_tar_reader_resolve (reader, name, error);
  if (member == NULL)
    return NULL;

  g_autoptr (DockerTarArchive) archive = docker_tar_open_plain (reader->path,
                                                                reader->display_name, error);
  if (archive == NULL)
    return NULL;

  for (guint ordinal = 0;; ordinal++)
    {
      struct archive_entry *entry = NULL;
      int r = archive_read_next_header (archive, &entry);
      if (r == ARCHIVE_EOF || r < ARCHIVE_WARN)
        {
          skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "Finding '%s' in '%s': %s", member->name,
                        reader->display_name,
                        r == ARCHIVE_EOF ? "the archive changed since it was opened"
                                         : archive_error_string (archive));
          return NULL;
        }
      if (ordinal == member->ordinal)
        break;
    }

  if (out_size != NULL)
    *out_size = member->size;
  return docker_tar_member_stream_new (g_steal_pointer (&archive), member->name,
                                       reader->display_name, member->size);
}
