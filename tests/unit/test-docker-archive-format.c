/* test-docker-archive-format.c: the `docker save` format (plugins/common) through the
 * docker-archive transport: reading archives in the shapes docker, podman and skopeo
 * write (names with "./", links between members, compressed layers, archives
 * compressed as a whole), choosing one image of several, listing tags, refusing
 * malformed archives with a clear error, and writing archives that read back with the
 * same manifest, with layers stored as plain tars named by their diff IDs.
 *
 * Archives are built here by a small ustar writer, so every malformed shape can be
 * made exactly. docker-daemon, which uses the same format, has its reference forms and
 * its refusals that need no daemon checked here too.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skopos-check.h"
#include <skopos/skopos-transport-plugin.h>

#define assert_error_is(err, want_domain, want_code)                                      \
  G_STMT_START                                                                            \
  {                                                                                       \
    ck_assert_msg ((err) != NULL, "expected an error, got none");                         \
    ck_assert_msg (g_error_matches ((err), (want_domain), (want_code)),                   \
                   "expected error code %d, got %d: %s", (int) (want_code), (err)->code,  \
                   (err)->message);                                                       \
  }                                                                                       \
  G_STMT_END

static char *tmpdir;
static SkoposContext *ctx;

static void
setup (void)
{
  tmpdir = skopos_check_make_tmpdir ();
  ctx = skopos_context_new ();
  skopos_context_set_string (ctx, SKOPOS_CONTEXT_TMPDIR, tmpdir);
}

static void
teardown (void)
{
  skopos_rm_rf (tmpdir, NULL);
  g_free (tmpdir);
  skopos_context_unref (ctx);
}

/* ---- a small ustar writer ----------------------------------------------------------- */

static void
tar_add (GByteArray *tar, const char *name, char type, const void *data, gsize len,
         const char *link)
{
  guint8 header[512] = { 0 };
  ck_assert (strlen (name) < 100);
  memcpy (header, name, strlen (name));
  g_snprintf ((char *) header + 100, 8, "%07o", type == '2' ? 0777 : 0644);
  g_snprintf ((char *) header + 108, 8, "%07o", 0);
  g_snprintf ((char *) header + 116, 8, "%07o", 0);
  g_snprintf ((char *) header + 124, 12, "%011o", (unsigned) len);
  g_snprintf ((char *) header + 136, 12, "%011o", 0);
  header[156] = type;
  if (link != NULL)
    memcpy (header + 157, link, strlen (link));
  memcpy (header + 257, "ustar", 6);
  memcpy (header + 263, "00", 2);
  memset (header + 148, ' ', 8);
  unsigned sum = 0;
  for (guint i = 0; i < 512; i++)
    sum += header[i];
  g_snprintf ((char *) header + 148, 8, "%06o", sum);
  header[155] = ' ';
  g_byte_array_append (tar, header, 512);

  if (len > 0)
    {
      g_byte_array_append (tar, data, len);
      guint8 zeros[512] = { 0 };
      if (len % 512 != 0)
        g_byte_array_append (tar, zeros, 512 - len % 512);
    }
}

static void
tar_add_string (GByteArray *tar, const char *name, const char *text)
{
  tar_add (tar, name, '0', text, strlen (text), NULL);
}

static void
tar_add_bytes (GByteArray *tar, const char *name, GBytes *bytes)
{
  tar_add (tar, name, '0', g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL);
}

static GBytes *
tar_finish (GByteArray *tar)
{
  guint8 zeros[1024] = { 0 };
  g_byte_array_append (tar, zeros, sizeof zeros);
  return g_byte_array_free_to_bytes (tar);
}

/* A layer: a tar holding one file. */
static GBytes *
make_layer (const char *file_name, const char *contents)
{
  GByteArray *tar = g_byte_array_new ();
  tar_add_string (tar, file_name, contents);
  return tar_finish (tar);
}

static GBytes *
compress_bytes (GBytes *bytes, SkoposCompression compression)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr (GInputStream) out = skopos_compression_compress_stream (in, compression, &error);
  skopos_assert_no_error (error);
  g_autoptr (GOutputStream) memory = g_memory_output_stream_new_resizable ();
  ck_assert (g_output_stream_splice (memory, out,
                                     G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE
                                         | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                     NULL, &error) >= 0);
  skopos_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

static char *
digest_of (GBytes *bytes)
{
  return skopos_digest_compute_bytes ("sha256", bytes);
}

static char *
config_for (const char *label, const char *const *diff_ids)
{
  g_autoptr (GString) ids = g_string_new (NULL);
  for (guint i = 0; diff_ids[i] != NULL; i++)
    g_string_append_printf (ids, "%s\"%s\"", i ? "," : "", diff_ids[i]);
  return g_strdup_printf ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":"
                          "\"2024-01-02T03:04:05Z\",\"config\":{\"Labels\":{\"l\":\"%s\"}},"
                          "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[%s]}}",
                          label, ids->str);
}

static char *
write_archive (const char *name, GBytes *contents)
{
  char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr (GError) error = NULL;
  ck_assert (g_file_set_contents (path, g_bytes_get_data (contents, NULL),
                                  g_bytes_get_size (contents), &error));
  return path;
}

/* ---- a sample image: two layers, in the shapes real archives use -------------------- */

typedef struct
{
  GBytes *layers[2];  /* plain tars */
  char *diff_ids[3];  /* NULL-terminated */
  char *config;
  char *config_digest;
} Sample;

static void
sample_clear (Sample *s)
{
  for (guint i = 0; i < 2; i++)
    g_clear_pointer (&s->layers[i], g_bytes_unref);
  for (guint i = 0; i < 3; i++)
    g_free (s->diff_ids[i]);
  g_free (s->config);
  g_free (s->config_digest);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Sample, sample_clear)

static void
sample_init (Sample *s, const char *label)
{
  g_autofree char *first = g_strdup_printf ("first layer of %s\n", label);
  g_autofree char *second = g_strdup_printf ("second layer of %s\n", label);
  s->layers[0] = make_layer ("etc/first.txt", first);
  s->layers[1] = make_layer ("usr/second.txt", second);
  s->diff_ids[0] = digest_of (s->layers[0]);
  s->diff_ids[1] = digest_of (s->layers[1]);
  s->config = config_for (label, (const char *const *) s->diff_ids);
  s->config_digest = skopos_digest_compute ("sha256", s->config, strlen (s->config));
}

static const char *
hex (const char *digest)
{
  return skopos_digest_get_hex (digest);
}

/* The manifest containers/image makes up for an archive image. */
static char *
expected_manifest (const Sample *s)
{
  return g_strdup_printf (
      "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\",\"size\":%zu,"
      "\"digest\":\"%s\"},\"layers\":[{\"mediaType\":\"%s\",\"size\":%zu,\"digest\":\"%s\"},"
      "{\"mediaType\":\"%s\",\"size\":%zu,\"digest\":\"%s\"}]}",
      SKOPOS_MEDIA_TYPE_DOCKER_V2S2, SKOPOS_MEDIA_TYPE_DOCKER_CONFIG, strlen (s->config),
      s->config_digest, SKOPOS_MEDIA_TYPE_DOCKER_LAYER, g_bytes_get_size (s->layers[0]),
      s->diff_ids[0], SKOPOS_MEDIA_TYPE_DOCKER_LAYER, g_bytes_get_size (s->layers[1]),
      s->diff_ids[1]);
}

/* An archive as podman writes it: layers named by digest, the config as <hex>.json,
 * and the legacy folder whose layer.tar is a link. Here the second layer is stored
 * gzip-compressed and reached through that link, and names start with "./". */
static GBytes *
podman_like_archive (const Sample *s, const char *repo_tag)
{
  GByteArray *tar = g_byte_array_new ();
  g_autofree char *layer0 = g_strdup_printf ("./%s.tar", hex (s->diff_ids[0]));
  g_autoptr (GBytes) compressed = compress_bytes (s->layers[1], SKOPOS_COMPRESSION_GZIP);
  g_autofree char *config_name = g_strdup_printf ("%s.json", hex (s->config_digest));

  tar_add (tar, "./", '5', NULL, 0, NULL);
  tar_add_string (tar, config_name, s->config);
  tar_add_bytes (tar, layer0, s->layers[0]);
  tar_add_bytes (tar, "blobs/second.tar.gz", compressed);
  tar_add (tar, "legacy/", '5', NULL, 0, NULL);
  tar_add (tar, "legacy/layer.tar", '2', NULL, 0, "../blobs/second.tar.gz");
  tar_add_string (tar, "legacy/VERSION", "1.0");

  g_autofree char *manifest = g_strdup_printf (
      "[{\"Config\":\"./%s\",\"RepoTags\":[\"%s\"],\"Layers\":[\"%s\",\"legacy/layer.tar\"]}]",
      config_name, repo_tag, layer0);
  tar_add_string (tar, "./manifest.json", manifest);
  tar_add_string (tar, "repositories", "{}");
  return tar_finish (tar);
}

static SkoposImageReference *
parse_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  SkoposImageReference *ref = skopos_image_reference_parse (text, &error);
  skopos_assert_no_error (error);
  return ref;
}

static SkoposImageSource *
open_source (const char *text, GError **error)
{
  g_autoptr (SkoposImageReference) ref = parse_ok (text);
  return skopos_image_reference_open_source (ref, ctx, NULL, error);
}

static GBytes *
source_manifest (SkoposImageSource *src)
{
  g_autoptr (GError) error = NULL;
  GBytes *manifest = NULL;
  g_autofree char *media_type = NULL;
  ck_assert (skopos_image_source_get_manifest (src, NULL, &manifest, &media_type, NULL, &error));
  skopos_assert_no_error (error);
  ck_assert_str_eq (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S2);
  return manifest;
}

static void
assert_bytes_equal_string (GBytes *bytes, const char *want)
{
  g_autofree char *got = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  ck_assert_str_eq (got, want);
}

static void
assert_blob (SkoposImageSource *src, const char *digest, GBytes *want)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) got = skopos_image_source_read_blob (src, digest, g_bytes_get_size (want),
                                                          NULL, &error);
  skopos_assert_no_error (error);
  ck_assert (g_bytes_equal (got, want));
}

/* ---- reading ------------------------------------------------------------------------- */

START_TEST (test_read_podman_like_archive)
{
  g_auto (Sample) s = { 0 };
  sample_init (&s, "one");
  g_autoptr (GBytes) archive = podman_like_archive (&s, "example.com/ns/one:1.0");
  g_autofree char *path = write_archive ("one.tar", archive);

  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("docker-archive:%s", path);
  g_autoptr (SkoposImageSource) src = open_source (text, &error);
  skopos_assert_no_error (error);

  g_autoptr (GBytes) manifest = source_manifest (src);
  g_autofree char *want = expected_manifest (&s);
  assert_bytes_equal_string (manifest, want);

  g_autoptr (GBytes) config = g_bytes_new (s.config, strlen (s.config));
  assert_blob (src, s.config_digest, config);
  assert_blob (src, s.diff_ids[0], s.layers[0]);
  assert_blob (src, s.diff_ids[1], s.layers[1]);

  g_autofree char *unknown = skopos_digest_compute ("sha256", "x", 1);
  g_autoptr (GInputStream) none = skopos_image_source_get_blob (src, unknown, -1, NULL, NULL, NULL,
                                                                NULL, &error);
  ck_assert (none == NULL);
  assert_error_is (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_FOUND);

  /* The same image, chosen by its tag, and by position. */
  g_autofree char *by_tag = g_strdup_printf ("docker-archive:%s:example.com/ns/one:1.0", path);
  g_autoptr (SkoposImageSource) src2 = open_source (by_tag, NULL);
  ck_assert (src2 != NULL);
  g_autofree char *by_index = g_strdup_printf ("docker-archive:%s:@0", path);
  g_autoptr (SkoposImageSource) src3 = open_source (by_index, NULL);
  ck_assert (src3 != NULL);
}
END_TEST

/* An archive compressed as a whole reads as the plain one does. */
START_TEST (test_read_compressed_archives)
{
  g_auto (Sample) s = { 0 };
  sample_init (&s, "packed");
  g_autoptr (GBytes) plain = podman_like_archive (&s, "packed:latest");
  g_autofree char *want = expected_manifest (&s);

  SkoposCompression kinds[] = { SKOPOS_COMPRESSION_GZIP, SKOPOS_COMPRESSION_ZSTD };
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr (GBytes) packed = compress_bytes (plain, kinds[i]);
      g_autofree char *name = g_strdup_printf ("packed-%u.tar", i);
      g_autofree char *path = write_archive (name, packed);
      g_autofree char *text = g_strdup_printf ("docker-archive:%s:packed", path);
      g_autoptr (GError) error = NULL;
      g_autoptr (SkoposImageSource) src = open_source (text, &error);
      skopos_assert_no_error (error);
      g_autoptr (GBytes) manifest = source_manifest (src);
      assert_bytes_equal_string (manifest, want);
      assert_blob (src, s.diff_ids[1], s.layers[1]);
    }

  /* The decompressed copies live in the context's tmpdir only while sources are open. */
  g_autoptr (GDir) dir = g_dir_open (tmpdir, 0, NULL);
  const char *entry;
  while ((entry = g_dir_read_name (dir)) != NULL)
    ck_assert_msg (g_str_has_prefix (entry, "packed-"), "left behind: %s", entry);
}
END_TEST

/* Two images sharing a layer; the second has no tags. */
static char *
two_image_archive (Sample *a, Sample *b)
{
  sample_init (a, "a");
  sample_init (b, "b");
  GByteArray *tar = g_byte_array_new ();
  g_autofree char *config_a = g_strdup_printf ("%s.json", hex (a->config_digest));
  g_autofree char *config_b = g_strdup_printf ("%s.json", hex (b->config_digest));
  tar_add_string (tar, config_a, a->config);
  tar_add_string (tar, config_b, b->config);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *la = g_strdup_printf ("a%u/layer.tar", i);
      g_autofree char *lb = g_strdup_printf ("b%u/layer.tar", i);
      tar_add_bytes (tar, la, a->layers[i]);
      tar_add_bytes (tar, lb, b->layers[i]);
    }
  g_autofree char *manifest = g_strdup_printf (
      "[{\"Config\":\"%s\",\"RepoTags\":[\"example.com/a:1\",\"busybox:latest\"],"
      "\"Layers\":[\"a0/layer.tar\",\"a1/layer.tar\"]},"
      "{\"Config\":\"%s\",\"RepoTags\":null,\"Layers\":[\"b0/layer.tar\",\"b1/layer.tar\"]}]",
      config_a, config_b);
  tar_add_string (tar, "manifest.json", manifest);
  g_autoptr (GBytes) bytes = tar_finish (tar);
  return write_archive ("two.tar", bytes);
}

static void
assert_chooses (const char *path, const char *selector, const Sample *want)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("docker-archive:%s:%s", path, selector);
  g_autoptr (SkoposImageSource) src = open_source (text, &error);
  skopos_assert_no_error (error);
  g_autoptr (GBytes) manifest = source_manifest (src);
  g_autofree char *expected = expected_manifest (want);
  assert_bytes_equal_string (manifest, expected);
}

static void
assert_choice_fails (const char *path, const char *selector, int code, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = selector ? g_strdup_printf ("docker-archive:%s:%s", path, selector)
                                   : g_strdup_printf ("docker-archive:%s", path);
  g_autoptr (SkoposImageSource) src = open_source (text, &error);
  ck_assert (src == NULL);
  assert_error_is (error, SKOPOS_ERROR, code);
  assert_message_contains (error, needle);
}

START_TEST (test_choose_image)
{
  g_auto (Sample) a = { 0 };
  g_auto (Sample) b = { 0 };
  g_autofree char *path = two_image_archive (&a, &b);

  assert_chooses (path, "example.com/a:1", &a);
  assert_chooses (path, "busybox", &a); /* docker.io/library/busybox:latest */
  assert_chooses (path, "docker.io/library/busybox:latest", &a);
  assert_chooses (path, "@0", &a);
  assert_chooses (path, "@1", &b);

  assert_choice_fails (path, NULL, SKOPOS_ERROR_INVALID_ARGUMENT, "holds 2 images");
  assert_choice_fails (path, "@2", SKOPOS_ERROR_NOT_FOUND, "holds 2 images");
  assert_choice_fails (path, "example.com/a:2", SKOPOS_ERROR_NOT_FOUND, "holds 2 images");
}
END_TEST

START_TEST (test_list_tags)
{
  g_auto (Sample) a = { 0 };
  g_auto (Sample) b = { 0 };
  g_autofree char *path = two_image_archive (&a, &b);
  g_autofree char *text = g_strdup_printf ("docker-archive:%s", path);
  g_autoptr (SkoposImageReference) ref = parse_ok (text);

  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tags = skopos_image_reference_list_tags (ref, ctx, NULL, &error);
  skopos_assert_no_error (error);
  ck_assert_uint_eq (tags->len, 3);
  ck_assert_str_eq (tags->pdata[0], "example.com/a:1");
  ck_assert_str_eq (tags->pdata[1], "busybox:latest");
  ck_assert_str_eq (tags->pdata[2], "@1");
}
END_TEST

START_TEST (test_reference_forms)
{
  g_autoptr (SkoposImageReference) tagged = parse_ok ("docker-archive:/x/a.tar:busybox");
  g_autofree char *tagged_text = skopos_image_reference_to_string (tagged);
  ck_assert_str_eq (tagged_text, "docker-archive:/x/a.tar:docker.io/library/busybox:latest");
  g_autofree char *docker = skopos_image_reference_dup_docker_reference (tagged);
  ck_assert_str_eq (docker, "docker.io/library/busybox:latest");
  g_autofree char *identity = skopos_image_reference_dup_policy_identity (tagged);
  ck_assert_str_eq (identity, "");

  g_autoptr (SkoposImageReference) indexed = parse_ok ("docker-archive:/x/a.tar:@3");
  g_autofree char *indexed_text = skopos_image_reference_to_string (indexed);
  ck_assert_str_eq (indexed_text, "docker-archive:/x/a.tar:@3");
  g_autofree char *none = skopos_image_reference_dup_docker_reference (indexed);
  ck_assert (none == NULL);

  const char *bad[] = {
    "docker-archive:",
    "docker-archive::busybox",
    "docker-archive:/x/a.tar:@",
    "docker-archive:/x/a.tar:@-1",
    "docker-archive:/x/a.tar:@1x",
    "docker-archive:/x/a.tar:",
    "docker-archive:/x/a.tar:UPPER",
    "docker-archive:/x/a.tar:busybox@sha256:"
    "0123456789012345678901234567890123456789012345678901234567890123",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SkoposImageReference) ref = skopos_image_reference_parse (bad[i], &error);
      ck_assert_msg (ref == NULL, "'%s' was accepted", bad[i]);
      assert_error_is (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_REFERENCE);
    }
}
END_TEST

/* ---- refused archives ------------------------------------------------------------------ */

typedef enum
{
  BAD_DOTDOT,
  BAD_ABSOLUTE,
  BAD_SYMLINK_OUT,
  BAD_SYMLINK_ABSOLUTE,
  BAD_HARDLINK_OUT,
  BAD_MISSING_LAYER,
  BAD_MISSING_CONFIG,
  BAD_DANGLING_LINK,
  BAD_CONFIG_DIGEST,
  BAD_DUPLICATE,
  BAD_NO_MANIFEST,
  BAD_LEGACY,
  BAD_LAYER_COUNT,
  BAD_MANIFEST_JSON,
  BAD_TRUNCATED,
  BAD_NOT_TAR,
  BAD_EMPTY,
  BAD_NO_ROOTFS,
  N_BAD,
} BadKind;

static const struct
{
  int code;
  const char *needle;
} bad_expect[N_BAD] = {
  [BAD_DOTDOT] = { SKOPOS_ERROR_INVALID_DATA, "'..'" },
  [BAD_ABSOLUTE] = { SKOPOS_ERROR_INVALID_DATA, "absolute" },
  [BAD_SYMLINK_OUT] = { SKOPOS_ERROR_INVALID_DATA, "outside the archive" },
  [BAD_SYMLINK_ABSOLUTE] = { SKOPOS_ERROR_INVALID_DATA, "outside the archive" },
  [BAD_HARDLINK_OUT] = { SKOPOS_ERROR_INVALID_DATA, "outside the archive" },
  [BAD_MISSING_LAYER] = { SKOPOS_ERROR_INVALID_DATA, "no such member" },
  [BAD_MISSING_CONFIG] = { SKOPOS_ERROR_INVALID_DATA, "no such member" },
  [BAD_DANGLING_LINK] = { SKOPOS_ERROR_INVALID_DATA, "not in the archive" },
  [BAD_CONFIG_DIGEST] = { SKOPOS_ERROR_DIGEST_MISMATCH, "does not match" },
  [BAD_DUPLICATE] = { SKOPOS_ERROR_INVALID_DATA, "twice" },
  [BAD_NO_MANIFEST] = { SKOPOS_ERROR_INVALID_DATA, "no manifest.json" },
  [BAD_LEGACY] = { SKOPOS_ERROR_NOT_SUPPORTED, "legacy format" },
  [BAD_LAYER_COUNT] = { SKOPOS_ERROR_INVALID_DATA, "lists 1 layers, its config 2" },
  [BAD_MANIFEST_JSON] = { SKOPOS_ERROR_INVALID_DATA, "not JSON" },
  [BAD_TRUNCATED] = { SKOPOS_ERROR_INVALID_DATA, "" },
  [BAD_NOT_TAR] = { SKOPOS_ERROR_INVALID_DATA, "" },
  [BAD_EMPTY] = { SKOPOS_ERROR_INVALID_DATA, "empty" },
  [BAD_NO_ROOTFS] = { SKOPOS_ERROR_INVALID_DATA, "rootfs" },
};

static GBytes *
bad_archive (BadKind kind, const Sample *s)
{
  if (kind == BAD_NOT_TAR)
    return g_bytes_new_static ("this is not an archive at all, just some text\n", 47);
  if (kind == BAD_EMPTY)
    return g_bytes_new_static ("", 0);

  GByteArray *tar = g_byte_array_new ();
  g_autofree char *config_name = g_strdup_printf ("%s.json", hex (s->config_digest));
  const char *layer1 = "l1.tar";
  const char *config = s->config;

  switch (kind)
    {
    case BAD_DOTDOT:
      tar_add_string (tar, "ok/../../escape", "x");
      break;
    case BAD_ABSOLUTE:
      tar_add_string (tar, "/etc/shadow-copy", "x");
      break;
    case BAD_SYMLINK_OUT:
      tar_add (tar, "evil.tar", '2', NULL, 0, "../../etc/passwd");
      layer1 = "evil.tar";
      break;
    case BAD_SYMLINK_ABSOLUTE:
      tar_add (tar, "dir/evil.tar", '2', NULL, 0, "/etc/passwd");
      layer1 = "dir/evil.tar";
      break;
    case BAD_HARDLINK_OUT:
      tar_add (tar, "evil.tar", '1', NULL, 0, "../outside.tar");
      layer1 = "evil.tar";
      break;
    case BAD_MISSING_LAYER:
      layer1 = "missing.tar";
      break;
    case BAD_DANGLING_LINK:
      tar_add (tar, "dangling.tar", '2', NULL, 0, "nowhere.tar");
      layer1 = "dangling.tar";
      break;
    case BAD_CONFIG_DIGEST:
      config = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
      break;
    case BAD_DUPLICATE:
      tar_add_bytes (tar, "l1.tar", s->layers[1]);
      break;
    case BAD_NO_ROOTFS:
      {
        /* Named by its own digest, so only the missing rootfs is wrong. */
        const char *text = "{\"architecture\":\"amd64\",\"os\":\"linux\"}";
        g_autofree char *digest = skopos_digest_compute ("sha256", text, strlen (text));
        g_free (config_name);
        config_name = g_strdup_printf ("%s.json", hex (digest));
        config = text;
        break;
      }
    default:
      break;
    }

  if (kind != BAD_MISSING_CONFIG)
    tar_add_string (tar, config_name, config);
  tar_add_bytes (tar, "l0.tar", s->layers[0]);
  tar_add_bytes (tar, "l1.tar", s->layers[1]);

  g_autofree char *layers = kind == BAD_LAYER_COUNT
                                ? g_strdup ("\"l0.tar\"")
                                : g_strdup_printf ("\"l0.tar\",\"%s\"", layer1);
  g_autofree char *manifest = g_strdup_printf (
      "[{\"Config\":\"%s\",\"RepoTags\":[\"bad:1\"],\"Layers\":[%s]}]", config_name, layers);
  if (kind == BAD_MANIFEST_JSON)
    tar_add_string (tar, "manifest.json", "[{\"Config\": ");
  else if (kind == BAD_LEGACY)
    tar_add_string (tar, "repositories", "{\"bad\":{\"1\":\"abc\"}}");
  else if (kind != BAD_NO_MANIFEST)
    tar_add_string (tar, "manifest.json", manifest);

  GBytes *bytes = tar_finish (tar);
  if (kind == BAD_TRUNCATED)
    {
      /* Cut inside the data of the first layer. */
      GBytes *cut = g_bytes_new_from_bytes (bytes, 0, 512 * 5 + 100);
      g_bytes_unref (bytes);
      return cut;
    }
  return bytes;
}

START_TEST (test_refuse_bad_archive)
{
  g_auto (Sample) s = { 0 };
  sample_init (&s, "bad");
  g_autoptr (GBytes) bytes = bad_archive (_i, &s);
  g_autofree char *name = g_strdup_printf ("bad-%d.tar", _i);
  g_autofree char *path = write_archive (name, bytes);

  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("docker-archive:%s", path);
  g_autoptr (SkoposImageSource) src = open_source (text, &error);
  ck_assert_msg (src == NULL, "bad archive %d was accepted", _i);
  assert_error_is (error, SKOPOS_ERROR, bad_expect[_i].code);
  assert_message_contains (error, bad_expect[_i].needle);

  /* Nothing was extracted anywhere near the archive. */
  g_autofree char *escape = g_build_filename (tmpdir, "..", "escape", NULL);
  ck_assert (!g_file_test (escape, G_FILE_TEST_EXISTS));
}
END_TEST

/* A layer whose bytes are not those of its diff ID is caught while it is read. */
START_TEST (test_refuse_layer_digest_mismatch)
{
  g_auto (Sample) s = { 0 };
  sample_init (&s, "liar");
  g_autoptr (GBytes) other = make_layer ("etc/other.txt", "not the promised layer\n");
  GByteArray *tar = g_byte_array_new ();
  g_autofree char *config_name = g_strdup_printf ("%s.json", hex (s.config_digest));
  tar_add_string (tar, config_name, s.config);
  tar_add_bytes (tar, "l0.tar", s.layers[0]);
  tar_add_bytes (tar, "l1.tar", other);
  g_autofree char *manifest = g_strdup_printf (
      "[{\"Config\":\"%s\",\"RepoTags\":[],\"Layers\":[\"l0.tar\",\"l1.tar\"]}]", config_name);
  tar_add_string (tar, "manifest.json", manifest);
  g_autoptr (GBytes) bytes = tar_finish (tar);
  g_autofree char *path = write_archive ("liar.tar", bytes);

  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("docker-archive:%s", path);
  g_autoptr (SkoposImageSource) src = open_source (text, &error);
  skopos_assert_no_error (error);
  g_autoptr (GBytes) blob = skopos_image_source_read_blob (src, s.diff_ids[1],
                                                           g_bytes_get_size (other), NULL, &error);
  ck_assert (blob == NULL);
  assert_error_is (error, SKOPOS_ERROR, SKOPOS_ERROR_DIGEST_MISMATCH);
}
END_TEST

/* ---- writing --------------------------------------------------------------------------- */

typedef struct
{
  char *name;
  char type;
  char *link;
  GBytes *data;
} Member;

static void
member_free (Member *m)
{
  g_free (m->name);
  g_free (m->link);
  g_bytes_unref (m->data);
  g_free (m);
}

/* Reads back a plain ustar archive (what the writer produces: no pax headers for
 * these short names) into name → Member. */
static GHashTable *
read_tar (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  ck_assert (g_file_get_contents (path, &contents, &len, NULL));
  GHashTable *members = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                               (GDestroyNotify) member_free);
  gsize offset = 0;
  while (offset + 512 <= len && contents[offset] != '\0')
    {
      const char *header = contents + offset;
      Member *m = g_new0 (Member, 1);
      m->name = g_strndup (header, 100);
      m->type = header[156];
      m->link = g_strndup (header + 157, 100);
      gsize size = g_ascii_strtoull (header + 124, NULL, 8);
      ck_assert (offset + 512 + size <= len);
      m->data = g_bytes_new (contents + offset + 512, size);
      ck_assert_msg (!g_hash_table_contains (members, m->name), "%s twice", m->name);
      g_hash_table_insert (members, m->name, m);
      offset += 512 + (size + 511) / 512 * 512;
    }
  ck_assert_msg (offset + 1024 <= len, "the archive does not end with two empty records");
  return members;
}

static JsonNode *
parse_json (GBytes *bytes)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  ck_assert (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                         g_bytes_get_size (bytes), NULL));
  return json_node_copy (json_parser_get_root (parser));
}

static gboolean
copy_image (const char *from, const char *to, GError **error)
{
  g_autoptr (SkoposImageReference) src = parse_ok (from);
  g_autoptr (SkoposImageReference) dest = parse_ok (to);
  g_autoptr (SkoposCopyOptions) options = skopos_copy_options_new ();
  skopos_copy_options_set_source_context (options, ctx);
  skopos_copy_options_set_destination_context (options, ctx);
  SkoposPolicy *policy = skopos_policy_new_insecure_accept_anything ();
  gboolean ok = skopos_copy_image (policy, dest, src, options, NULL, NULL, error);
  skopos_policy_free (policy);
  return ok;
}

static void
assert_no_leftovers (const char *keep1, const char *keep2)
{
  g_autoptr (GDir) dir = g_dir_open (tmpdir, 0, NULL);
  const char *entry;
  while ((entry = g_dir_read_name (dir)) != NULL)
    ck_assert_msg (g_strcmp0 (entry, keep1) == 0 || g_strcmp0 (entry, keep2) == 0,
                   "left behind: %s", entry);
}

START_TEST (test_write_archive)
{
  g_auto (Sample) s = { 0 };
  sample_init (&s, "written");
  g_autoptr (GBytes) archive = podman_like_archive (&s, "example.com/src:1");
  g_autofree char *src_path = write_archive ("src.tar", archive);
  g_autofree char *out_path = g_build_filename (tmpdir, "out.tar", NULL);

  const char *extra[] = { "example.com/extra:v2", "busybox:musl", "example.com/out:v1", NULL };
  skopos_context_set_strv (ctx, SKOPOS_CONTEXT_ADDITIONAL_TAGS, extra);
  g_autoptr (GError) error = NULL;
  g_autofree char *from = g_strdup_printf ("docker-archive:%s", src_path);
  g_autofree char *to = g_strdup_printf ("docker-archive:%s:example.com/out:v1", out_path);
  ck_assert (copy_image (from, to, &error));
  skopos_assert_no_error (error);
  assert_no_leftovers ("src.tar", "out.tar");

  /* Layers are plain tars named by their diff IDs, the config by its digest. */
  g_autoptr (GHashTable) members = read_tar (out_path);
  g_autofree char *config_name = g_strdup_printf ("%s.json", hex (s.config_digest));
  Member *config = g_hash_table_lookup (members, config_name);
  ck_assert (config != NULL);
  assert_bytes_equal_string (config->data, s.config);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.tar", hex (s.diff_ids[i]));
      Member *layer = g_hash_table_lookup (members, name);
      ck_assert_msg (layer != NULL, "no member %s", name);
      ck_assert (g_bytes_equal (layer->data, s.layers[i]));
    }

  Member *manifest = g_hash_table_lookup (members, "manifest.json");
  ck_assert (manifest != NULL);
  g_autoptr (JsonNode) root = parse_json (manifest->data);
  JsonArray *items = json_node_get_array (root);
  ck_assert_uint_eq (json_array_get_length (items), 1);
  JsonObject *item = json_array_get_object_element (items, 0);
  ck_assert_str_eq (json_object_get_string_member (item, "Config"), config_name);
  JsonArray *tags = json_object_get_array_member (item, "RepoTags");
  ck_assert_uint_eq (json_array_get_length (tags), 3);
  ck_assert_str_eq (json_array_get_string_element (tags, 0), "example.com/out:v1");
  ck_assert_str_eq (json_array_get_string_element (tags, 1), "example.com/extra:v2");
  ck_assert_str_eq (json_array_get_string_element (tags, 2), "docker.io/library/busybox:musl");
  JsonArray *layers = json_object_get_array_member (item, "Layers");
  ck_assert_uint_eq (json_array_get_length (layers), 2);

  /* The legacy folders: the top layer's link leads to the last layer, and
   * `repositories` names that folder for every tag. */
  Member *repositories = g_hash_table_lookup (members, "repositories");
  ck_assert (repositories != NULL);
  g_autoptr (JsonNode) repos = parse_json (repositories->data);
  JsonObject *out_repo = json_object_get_object_member (json_node_get_object (repos),
                                                        "example.com/out");
  const char *top_id = json_object_get_string_member (out_repo, "v1");
  g_autofree char *link_name = g_strdup_printf ("%s/layer.tar", top_id);
  Member *link = g_hash_table_lookup (members, link_name);
  ck_assert (link != NULL);
  ck_assert_int_eq (link->type, '2');
  g_autofree char *want_link = g_strdup_printf ("../%s.tar", hex (s.diff_ids[1]));
  ck_assert_str_eq (link->link, want_link);
  g_autofree char *version_name = g_strdup_printf ("%s/VERSION", top_id);
  ck_assert (g_hash_table_contains (members, version_name));

  /* Read back, every tag names the same image, with the manifest it came from. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *text = g_strdup_printf ("docker-archive:%s:%s", out_path, extra[i]);
      g_autoptr (SkoposImageSource) back = open_source (text, &error);
      skopos_assert_no_error (error);
      g_autoptr (GBytes) back_manifest = source_manifest (back);
      g_autofree char *want = expected_manifest (&s);
      assert_bytes_equal_string (back_manifest, want);
    }
}
END_TEST

START_TEST (test_write_refusals)
{
  g_auto (Sample) s = { 0 };
  sample_init (&s, "refused");
  g_autoptr (GBytes) archive = podman_like_archive (&s, "example.com/src:1");
  g_autofree char *src_path = write_archive ("src.tar", archive);
  g_autofree char *from = g_strdup_printf ("docker-archive:%s", src_path);

  /* An existing archive is never modified. */
  g_autoptr (GError) error = NULL;
  g_autofree char *to_existing = g_strdup_printf ("docker-archive:%s", src_path);
  ck_assert (!copy_image (from, to_existing, &error));
  assert_error_is (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_ARGUMENT);
  assert_message_contains (error, "not empty");
  g_clear_error (&error);

  g_autofree char *out_path = g_build_filename (tmpdir, "out.tar", NULL);
  g_autofree char *to_index = g_strdup_printf ("docker-archive:%s:@0", out_path);
  ck_assert (!copy_image (from, to_index, &error));
  assert_error_is (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_REFERENCE);
  g_clear_error (&error);

  const char *untagged[] = { "example.com/no-tag@sha256:"
                             "0123456789012345678901234567890123456789012345678901234567890123",
                             NULL };
  skopos_context_set_strv (ctx, SKOPOS_CONTEXT_ADDITIONAL_TAGS, untagged);
  g_autofree char *to = g_strdup_printf ("docker-archive:%s", out_path);
  ck_assert (!copy_image (from, to, &error));
  assert_message_contains (error, "--additional-tag");
  g_clear_error (&error);
  assert_no_leftovers ("src.tar", NULL);
}
END_TEST

/* A copy that fails half-way leaves nothing at the destination path. */
START_TEST (test_failed_copy_leaves_nothing)
{
  g_auto (Sample) s = { 0 };
  sample_init (&s, "broken");
  g_autoptr (GBytes) other = make_layer ("etc/other.txt", "not the promised layer\n");
  GByteArray *tar = g_byte_array_new ();
  g_autofree char *config_name = g_strdup_printf ("%s.json", hex (s.config_digest));
  tar_add_string (tar, config_name, s.config);
  tar_add_bytes (tar, "l0.tar", s.layers[0]);
  tar_add_bytes (tar, "l1.tar", other);
  g_autofree char *manifest = g_strdup_printf (
      "[{\"Config\":\"%s\",\"RepoTags\":[],\"Layers\":[\"l0.tar\",\"l1.tar\"]}]", config_name);
  tar_add_string (tar, "manifest.json", manifest);
  g_autoptr (GBytes) bytes = tar_finish (tar);
  g_autofree char *src_path = write_archive ("src.tar", bytes);
  g_autofree char *out_path = g_build_filename (tmpdir, "out.tar", NULL);

  g_autoptr (GError) error = NULL;
  g_autofree char *from = g_strdup_printf ("docker-archive:%s", src_path);
  g_autofree char *to = g_strdup_printf ("docker-archive:%s:x:1", out_path);
  ck_assert (!copy_image (from, to, &error));
  assert_error_is (error, SKOPOS_ERROR, SKOPOS_ERROR_DIGEST_MISMATCH);
  ck_assert (!g_file_test (out_path, G_FILE_TEST_EXISTS));
  assert_no_leftovers ("src.tar", NULL);
}
END_TEST

/* Layers that reach the destination compressed (gzip or zstd) are stored
 * decompressed, under their diff IDs. */
START_TEST (test_write_decompresses_layers)
{
  g_auto (Sample) s = { 0 };
  sample_init (&s, "zipped");
  g_autoptr (GBytes) gz = compress_bytes (s.layers[0], SKOPOS_COMPRESSION_GZIP);
  g_autoptr (GBytes) zst = compress_bytes (s.layers[1], SKOPOS_COMPRESSION_ZSTD);
  g_autofree char *gz_digest = digest_of (gz);
  g_autofree char *zst_digest = digest_of (zst);
  g_autofree char *out_path = g_build_filename (tmpdir, "out.tar", NULL);
  g_autofree char *text = g_strdup_printf ("docker-archive:%s:zipped:1", out_path);
  g_autoptr (SkoposImageReference) ref = parse_ok (text);

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageDestination) dest = skopos_image_reference_open_destination (ref, ctx, NULL,
                                                                                   &error);
  skopos_assert_no_error (error);

  struct
  {
    GBytes *bytes;
    const char *digest;
    const char *media_type;
    gboolean is_config;
  } blobs[] = {
    { g_bytes_new (s.config, strlen (s.config)), s.config_digest, SKOPOS_MEDIA_TYPE_DOCKER_CONFIG,
      TRUE },
    { g_bytes_ref (gz), gz_digest, SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP, FALSE },
    { g_bytes_ref (zst), zst_digest, SKOPOS_MEDIA_TYPE_OCI_LAYER_ZSTD, FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (blobs); i++)
    {
      g_autoptr (GInputStream) in = g_memory_input_stream_new_from_bytes (blobs[i].bytes);
      ck_assert (skopos_image_destination_put_blob (dest, in, blobs[i].digest,
                                                    g_bytes_get_size (blobs[i].bytes),
                                                    blobs[i].media_type, blobs[i].is_config, NULL,
                                                    NULL, &error));
      skopos_assert_no_error (error);
      g_bytes_unref (blobs[i].bytes);
    }

  g_autofree char *manifest = g_strdup_printf (
      "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\",\"size\":%zu,"
      "\"digest\":\"%s\"},\"layers\":[{\"mediaType\":\"%s\",\"size\":%zu,\"digest\":\"%s\"},"
      "{\"mediaType\":\"%s\",\"size\":%zu,\"digest\":\"%s\"}]}",
      SKOPOS_MEDIA_TYPE_DOCKER_V2S2, SKOPOS_MEDIA_TYPE_DOCKER_CONFIG, strlen (s.config),
      s.config_digest, SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP, g_bytes_get_size (gz), gz_digest,
      SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP, g_bytes_get_size (zst), zst_digest);
  g_autoptr (GBytes) manifest_bytes = g_bytes_new (manifest, strlen (manifest));
  ck_assert (skopos_image_destination_put_manifest (dest, manifest_bytes,
                                                    SKOPOS_MEDIA_TYPE_DOCKER_V2S2, NULL, NULL,
                                                    &error));
  skopos_assert_no_error (error);
  ck_assert (skopos_image_destination_commit (dest, NULL, &error));
  skopos_assert_no_error (error);

  g_autoptr (GHashTable) members = read_tar (out_path);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.tar", hex (s.diff_ids[i]));
      Member *layer = g_hash_table_lookup (members, name);
      ck_assert_msg (layer != NULL, "no member %s", name);
      ck_assert (g_bytes_equal (layer->data, s.layers[i]));
    }

  g_autofree char *back_text = g_strdup_printf ("docker-archive:%s", out_path);
  g_autoptr (SkoposImageSource) back = open_source (back_text, &error);
  skopos_assert_no_error (error);
  g_autoptr (GBytes) back_manifest = source_manifest (back);
  g_autofree char *want = expected_manifest (&s);
  assert_bytes_equal_string (back_manifest, want);
}
END_TEST

/* A destination released without commit leaves nothing, whatever was put. */
START_TEST (test_uncommitted_destination_leaves_nothing)
{
  g_auto (Sample) s = { 0 };
  sample_init (&s, "dropped");
  g_autofree char *out_path = g_build_filename (tmpdir, "out.tar", NULL);
  g_autofree char *text = g_strdup_printf ("docker-archive:%s", out_path);
  g_autoptr (SkoposImageReference) ref = parse_ok (text);

  g_autoptr (GError) error = NULL;
  SkoposImageDestination *dest = skopos_image_reference_open_destination (ref, ctx, NULL, &error);
  skopos_assert_no_error (error);
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_bytes (s.layers[0]);
  ck_assert (skopos_image_destination_put_blob (dest, in, s.diff_ids[0],
                                                g_bytes_get_size (s.layers[0]), NULL, FALSE, NULL,
                                                NULL, &error));
  skopos_image_destination_unref (dest);

  ck_assert (!g_file_test (out_path, G_FILE_TEST_EXISTS));
  assert_no_leftovers (NULL, NULL);
}
END_TEST

/* ---- docker-daemon references (the same format, another transport) -------------------- */

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
assert_daemon_reference (const char *text, const char *want_string, const char *want_docker,
                         const char *want_identity)
{
  g_autoptr (SkoposImageReference) ref = parse_ok (text);
  g_autofree char *string = skopos_image_reference_to_string (ref);
  ck_assert_str_eq (string, want_string);
  g_autofree char *docker = skopos_image_reference_dup_docker_reference (ref);
  ck_assert_msg (g_strcmp0 (docker, want_docker) == 0, "%s: docker reference %s, not %s", text,
                 docker, want_docker);
  g_autofree char *identity = skopos_image_reference_dup_policy_identity (ref);
  ck_assert_str_eq (identity, want_identity);
}

START_TEST (test_daemon_reference_forms)
{
  assert_daemon_reference ("docker-daemon:busybox:latest", "docker-daemon:busybox:latest",
                           "docker.io/library/busybox:latest", "docker.io/library/busybox:latest");
  assert_daemon_reference ("docker-daemon:quay.io/ns/app@sha256:" HEX64,
                           "docker-daemon:quay.io/ns/app@sha256:" HEX64,
                           "quay.io/ns/app@sha256:" HEX64, "quay.io/ns/app@sha256:" HEX64);
  assert_daemon_reference ("docker-daemon:sha256:" HEX64, "docker-daemon:sha256:" HEX64, NULL,
                           "");

  const char *bad[] = {
    "docker-daemon:",
    "docker-daemon:busybox",
    "docker-daemon:sha256:abc",
    "docker-daemon:sha512:" HEX64 HEX64,
    "docker-daemon:busybox:1@sha256:" HEX64,
    "docker-daemon:UPPER:1",
    "docker-daemon:" HEX64,
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SkoposImageReference) ref = skopos_image_reference_parse (bad[i], &error);
      ck_assert_msg (ref == NULL, "'%s' was accepted", bad[i]);
      assert_error_is (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_REFERENCE);
    }
}
END_TEST

/* Destinations need name:tag, checked before any daemon is contacted; a daemon that is
 * not there is a connection error that says where it was looked for. */
START_TEST (test_daemon_refusals_without_daemon)
{
  g_autofree char *socket_path = g_build_filename (tmpdir, "no-daemon.sock", NULL);
  g_autofree char *host = g_strconcat ("unix://", socket_path, NULL);
  skopos_context_set_string (ctx, SKOPOS_CONTEXT_DAEMON_HOST, host);

  const char *not_destinations[] = {
    "docker-daemon:sha256:" HEX64,
    "docker-daemon:busybox@sha256:" HEX64,
  };
  for (guint i = 0; i < G_N_ELEMENTS (not_destinations); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SkoposImageReference) ref = parse_ok (not_destinations[i]);
      g_autoptr (SkoposImageDestination) dest = skopos_image_reference_open_destination (
          ref, ctx, NULL, &error);
      ck_assert (dest == NULL);
      assert_error_is (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_REFERENCE);
      assert_message_contains (error, "name:tag");
    }

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageSource) src = open_source ("docker-daemon:busybox:latest", &error);
  ck_assert (src == NULL);
  assert_error_is (error, SKOPOS_ERROR, SKOPOS_ERROR_CONNECTION);
  assert_message_contains (error, host);
  assert_message_contains (error, "no such socket");

  g_clear_error (&error);
  skopos_context_set_string (ctx, SKOPOS_CONTEXT_DAEMON_HOST, "ssh://user@example.invalid");
  g_autoptr (SkoposImageSource) src2 = open_source ("docker-daemon:busybox:latest", &error);
  ck_assert (src2 == NULL);
  assert_error_is (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_SUPPORTED);
}
END_TEST

static Suite *
docker_archive_format_suite (void)
{
  Suite *suite = suite_create ("docker-archive-format");

  TCase *tc = tcase_create ("read");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_read_podman_like_archive);
  tcase_add_test (tc, test_read_compressed_archives);
  tcase_add_test (tc, test_choose_image);
  tcase_add_test (tc, test_list_tags);
  tcase_add_test (tc, test_reference_forms);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("refuse");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_refuse_bad_archive, 0, N_BAD);
  tcase_add_test (tc, test_refuse_layer_digest_mismatch);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("write");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_write_archive);
  tcase_add_test (tc, test_write_refusals);
  tcase_add_test (tc, test_failed_copy_leaves_nothing);
  tcase_add_test (tc, test_write_decompresses_layers);
  tcase_add_test (tc, test_uncommitted_destination_leaves_nothing);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("daemon-references");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_daemon_reference_forms);
  tcase_add_test (tc, test_daemon_refusals_without_daemon);
  suite_add_tcase (suite, tc);
  return suite;
}

SKOPOS_TEST_MAIN (docker_archive_format_suite)
