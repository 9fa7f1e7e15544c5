/* test-oci.c: the oci transport through the public API: reference forms, writing
 * and reading back, index.json entry rules, delete, bad layouts, and what a
 * destination leaves behind when it is not committed.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skopos-check.h"
#include "tree-snapshot.h"
#include <skopos/skopos-transport-plugin.h>

#define REF_NAME "org.opencontainers.image.ref.name"

static char *tmpdir;

static void
setup (void)
{
  tmpdir = skopos_check_make_tmpdir ();
}

static void
teardown (void)
{
  skopos_rm_rf (tmpdir, NULL);
  g_free (tmpdir);
}

static SkoposImageReference *
parse_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  SkoposImageReference *ref = skopos_image_reference_parse (text, &error);
  skopos_assert_no_error (error);
  return ref;
}

static SkoposImageReference *
parse_layout (const char *layout, const char *name)
{
  g_autofree char *text = name ? g_strdup_printf ("oci:%s:%s", layout, name)
                               : g_strdup_printf ("oci:%s", layout);
  return parse_ok (text);
}

static void
write_file (const char *path, const char *contents)
{
  g_autoptr (GError) error = NULL;
  ck_assert_msg (g_file_set_contents (path, contents, -1, &error), "writing %s", path);
}

/* ---- building images ------------------------------------------------------------ */

typedef struct
{
  char *config_digest;
  char *layer_digests[3];
  char *manifest_digest;
  GBytes *manifest;
} TestImage;

static void
test_image_clear (TestImage *img)
{
  g_free (img->config_digest);
  for (guint i = 0; i < G_N_ELEMENTS (img->layer_digests); i++)
    g_free (img->layer_digests[i]);
  g_free (img->manifest_digest);
  if (img->manifest)
    g_bytes_unref (img->manifest);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TestImage, test_image_clear)

static void
put_bytes (SkoposImageDestination *dest, const char *data, const char *digest, gboolean is_config)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_data (data, strlen (data), NULL);
  gboolean ok = skopos_image_destination_put_blob (dest, in, digest, strlen (data), NULL, is_config,
                                                   NULL, NULL, &error);
  skopos_assert_no_error (error);
  ck_assert (ok);
}

/* An OCI image whose config says @tag and whose layers are the strings @layers
 * (NULL-terminated, up to 3). The blobs are put into @dest when it is not NULL. */
static void
build_image (TestImage *img, SkoposImageDestination *dest, const char *tag,
             const char *const *layers)
{
  g_autofree char *config = g_strdup_printf (
      "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"t\":\"%s\"}},"
      "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", tag);
  img->config_digest = skopos_digest_compute ("sha256", config, strlen (config));
  if (dest)
    put_bytes (dest, config, img->config_digest, TRUE);

  g_autoptr (GString) layer_json = g_string_new (NULL);
  for (guint i = 0; layers[i] != NULL; i++)
    {
      img->layer_digests[i] = skopos_digest_compute ("sha256", layers[i], strlen (layers[i]));
      if (dest)
        put_bytes (dest, layers[i], img->layer_digests[i], FALSE);
      g_string_append_printf (layer_json,
                              "%s{\"mediaType\":\"" SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP
                              "\",\"digest\":\"%s\",\"size\":%zu}",
                              i ? "," : "", img->layer_digests[i], strlen (layers[i]));
    }

  g_autofree char *manifest = g_strdup_printf (
      "{\"schemaVersion\":2,\"mediaType\":\"" SKOPOS_MEDIA_TYPE_OCI_MANIFEST "\","
      "\"config\":{\"mediaType\":\"" SKOPOS_MEDIA_TYPE_OCI_CONFIG "\",\"digest\":\"%s\","
      "\"size\":%zu},\"layers\":[%s]}",
      img->config_digest, strlen (config), layer_json->str);
  img->manifest_digest = skopos_digest_compute ("sha256", manifest, strlen (manifest));
  img->manifest = g_bytes_new (manifest, strlen (manifest));
}

/* Writes a whole image into oci:LAYOUT[:NAME] and commits it. */
static void
write_image (TestImage *img, const char *layout, const char *name, SkoposContext *ctx,
             const char *tag, const char *const *layers)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_layout (layout, name);
  g_autoptr (SkoposImageDestination) dest =
      skopos_image_reference_open_destination (ref, ctx, NULL, &error);
  skopos_assert_no_error (error);

  build_image (img, dest, tag, layers);
  ck_assert (skopos_image_destination_put_manifest (dest, img->manifest,
                                                    SKOPOS_MEDIA_TYPE_OCI_MANIFEST, NULL, NULL,
                                                    &error));
  skopos_assert_no_error (error);
  ck_assert (skopos_image_destination_commit (dest, NULL, &error));
  skopos_assert_no_error (error);
}

static JsonArray *
load_index_manifests (const char *layout, JsonParser **out_parser)
{
  g_autofree char *path = g_build_filename (layout, "index.json", NULL);
  g_autoptr (GError) error = NULL;
  JsonParser *parser = json_parser_new ();
  ck_assert_msg (json_parser_load_from_file (parser, path, &error), "parsing %s", path);
  *out_parser = parser;
  return json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                       "manifests");
}

static const char *
entry_name (JsonObject *entry)
{
  if (!json_object_has_member (entry, "annotations"))
    return NULL;
  JsonObject *annotations = json_object_get_object_member (entry, "annotations");
  if (!json_object_has_member (annotations, REF_NAME))
    return NULL;
  return json_object_get_string_member (annotations, REF_NAME);
}

/* Reads the manifest of @text and checks it is @want. */
static void
assert_reads_manifest (const char *text, SkoposContext *ctx, GBytes *want)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_ok (text);
  g_autoptr (SkoposImageSource) src = skopos_image_reference_open_source (ref, ctx, NULL, &error);
  skopos_assert_no_error (error);

  g_autoptr (GBytes) manifest = NULL;
  g_autofree char *media_type = NULL;
  ck_assert (skopos_image_source_get_manifest (src, NULL, &manifest, &media_type, NULL, &error));
  skopos_assert_no_error (error);
  ck_assert_msg (g_bytes_equal (manifest, want), "%s: another manifest came back", text);
  ck_assert_str_eq (media_type, SKOPOS_MEDIA_TYPE_OCI_MANIFEST);
}

static gboolean
blob_exists (const char *blob_dir, const char *digest)
{
  g_autofree char *path = g_build_filename (blob_dir, "sha256", digest + strlen ("sha256:"), NULL);
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

static void
copy_sample (const char *name, const char *to)
{
  g_autofree char *from = g_build_filename (TEST_DATA_DIR, name, NULL);
  g_autofree char *cmd = g_strdup_printf ("cp -a '%s' '%s'", from, to);
  int status = 0;
  ck_assert (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL));
  ck_assert_int_eq (status, 0);
}

/* ---- references ------------------------------------------------------------------- */

typedef struct
{
  const char *input;
  const char *within; /* NULL: refused */
} RefCase;

static const RefCase ref_cases[] = {
  { "oci:/srv/l", "/srv/l:" },
  { "oci:/srv/l:", "/srv/l:" },
  { "oci:/srv/l:latest", "/srv/l:latest" },
  /* The path ends at the FIRST colon; the rest is the name, colons and all. */
  { "oci:/srv/l:notlatest:image", "/srv/l:notlatest:image" },
  { "oci:relative:repo/name:1.0", "relative:repo/name:1.0" },
  { "oci:/srv/l:a--b", "/srv/l:a--b" },
  { "oci:/srv/l:a.b_c+d@e", "/srv/l:a.b_c+d@e" },
  { "oci:/srv/l:@0", "/srv/l:@0" },
  { "oci:/srv/l:@10", "/srv/l:@10" },
  { "oci:/srv/l:@999999", "/srv/l:@999999" },
  { "oci:", NULL },
  { "oci::name", NULL },
  { "oci:/srv/l:invalid'image!value@", NULL },
  { "oci:/srv/l:a---b", NULL },
  { "oci:/srv/l:-a", NULL },
  { "oci:/srv/l:a-", NULL },
  { "oci:/srv/l:a//b", NULL },
  { "oci:/srv/l:/a", NULL },
  { "oci:/srv/l:@-3", NULL },
  { "oci:/srv/l:@", NULL },
  { "oci:/srv/l:@x1", NULL },
  { "oci:/srv/l:@99999999999999999999999", NULL },
};

START_TEST (test_oci_reference_forms)
{
  const RefCase *c = &ref_cases[_i];
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = skopos_image_reference_parse (c->input, &error);

  if (c->within == NULL)
    {
      ck_assert_msg (ref == NULL, "'%s' was accepted", c->input);
      skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_REFERENCE);
      return;
    }
  skopos_assert_no_error (error);
  g_autofree char *within = skopos_image_reference_dup_within_transport (ref);
  ck_assert_str_eq (within, c->within);
  g_autofree char *docker = skopos_image_reference_dup_docker_reference (ref);
  ck_assert_ptr_null (docker);

  /* What to_string gives parses back to the same thing. */
  g_autofree char *text = skopos_image_reference_to_string (ref);
  g_autoptr (SkoposImageReference) again = parse_ok (text);
  g_autofree char *within_again = skopos_image_reference_dup_within_transport (again);
  ck_assert_str_eq (within_again, c->within);
}
END_TEST

START_TEST (test_oci_policy_identity_is_resolved_path)
{
  g_autofree char *real = g_build_filename (tmpdir, "real", NULL);
  g_autofree char *link = g_build_filename (tmpdir, "link", NULL);
  ck_assert_int_eq (g_mkdir (real, 0755), 0);
  ck_assert_int_eq (symlink (real, link), 0);
  g_autofree char *resolved_tmp = realpath (tmpdir, NULL);
  g_autofree char *want = g_build_filename (resolved_tmp, "real", NULL);

  g_autoptr (SkoposImageReference) ref = parse_layout (link, "x");
  g_autofree char *identity = skopos_image_reference_dup_policy_identity (ref);
  ck_assert_str_eq (identity, want);

  /* A layout that does not exist yet still gets an absolute identity. */
  g_autofree char *missing = g_build_filename (link, "new", NULL);
  g_autoptr (SkoposImageReference) ref2 = parse_layout (missing, NULL);
  g_autofree char *identity2 = skopos_image_reference_dup_policy_identity (ref2);
  g_autofree char *want2 = g_build_filename (want, "new", NULL);
  ck_assert_str_eq (identity2, want2);
}
END_TEST

/* ---- writing and reading ---------------------------------------------------------- */

START_TEST (test_oci_write_then_read_back)
{
  g_autofree char *layout = g_build_filename (tmpdir, "new", "layout", NULL);
  const char *layers[] = { "first layer", "second layer", NULL };
  g_auto (TestImage) img = { 0 };
  write_image (&img, layout, "v1", NULL, "one", layers);

  g_autofree char *oci_layout_path = g_build_filename (layout, "oci-layout", NULL);
  g_autofree char *oci_layout = read_file (oci_layout_path);
  ck_assert_str_eq (oci_layout, "{\"imageLayoutVersion\": \"1.0.0\"}");

  g_autoptr (JsonParser) parser = NULL;
  JsonArray *manifests = load_index_manifests (layout, &parser);
  ck_assert_uint_eq (json_array_get_length (manifests), 1);
  JsonObject *entry = json_array_get_object_element (manifests, 0);
  ck_assert_str_eq (json_object_get_string_member (entry, "mediaType"),
                    SKOPOS_MEDIA_TYPE_OCI_MANIFEST);
  ck_assert_str_eq (json_object_get_string_member (entry, "digest"), img.manifest_digest);
  ck_assert_int_eq (json_object_get_int_member (entry, "size"), g_bytes_get_size (img.manifest));
  ck_assert_str_eq (entry_name (entry), "v1");

  /* Only the layout's own files: no lock file, no temporary files. */
  g_autoptr (GHashTable) snap = snapshot (layout);
  ck_assert_uint_eq (g_hash_table_size (snap), 2 + 2 + 4);
  g_autofree char *blob_dir = g_build_filename (layout, "blobs", NULL);
  ck_assert (blob_exists (blob_dir, img.manifest_digest));
  ck_assert (blob_exists (blob_dir, img.config_digest));
  ck_assert (blob_exists (blob_dir, img.layer_digests[0]));
  ck_assert (blob_exists (blob_dir, img.layer_digests[1]));

  g_autofree char *text = g_strdup_printf ("oci:%s:v1", layout);
  assert_reads_manifest (text, NULL, img.manifest);

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_ok (text);
  g_autoptr (SkoposImageSource) src = skopos_image_reference_open_source (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);
  g_autoptr (GBytes) layer = skopos_image_source_read_blob (src, img.layer_digests[1], -1, NULL,
                                                            &error);
  skopos_assert_no_error (error);
  ck_assert_uint_eq (g_bytes_get_size (layer), strlen ("second layer"));
  ck_assert (memcmp (g_bytes_get_data (layer, NULL), "second layer", strlen ("second layer")) == 0);

  /* A layer that is not there. */
  g_autofree char *absent = skopos_digest_compute ("sha256", "nope", 4);
  g_autoptr (GBytes) none = skopos_image_source_read_blob (src, absent, -1, NULL, &error);
  ck_assert_ptr_null (none);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);
}
END_TEST

START_TEST (test_oci_reads_sample_layout)
{
  g_autofree char *sample = g_build_filename (TEST_DATA_DIR, "sample-oci", NULL);
  g_autoptr (JsonParser) parser = NULL;
  JsonArray *manifests = load_index_manifests (sample, &parser);
  const char *digest =
      json_object_get_string_member (json_array_get_object_element (manifests, 0), "digest");
  g_autofree char *path = g_build_filename (sample, "blobs", "sha256", digest + 7, NULL);
  g_autofree char *contents = read_file (path);
  g_autoptr (GBytes) want = g_bytes_new (contents, strlen (contents));

  g_autofree char *latest = g_strdup_printf ("oci:%s:latest", sample);
  assert_reads_manifest (latest, NULL, want);
  g_autofree char *by_index = g_strdup_printf ("oci:%s:@1", sample);
  assert_reads_manifest (by_index, NULL, want);
}
END_TEST

START_TEST (test_oci_replaces_named_entry)
{
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  const char *layers_a[] = { "aaa", NULL };
  const char *layers_b[] = { "bbb", NULL };
  g_auto (TestImage) a = { 0 };
  g_auto (TestImage) b = { 0 };
  g_auto (TestImage) other = { 0 };

  write_image (&a, layout, "v1", NULL, "a", layers_a);
  write_image (&other, layout, "keep", NULL, "other", layers_a);
  write_image (&b, layout, "v1", NULL, "b", layers_b);

  g_autoptr (JsonParser) parser = NULL;
  JsonArray *manifests = load_index_manifests (layout, &parser);
  ck_assert_uint_eq (json_array_get_length (manifests), 2);
  /* Replaced where it was, so the order of entries is kept. */
  JsonObject *first = json_array_get_object_element (manifests, 0);
  ck_assert_str_eq (entry_name (first), "v1");
  ck_assert_str_eq (json_object_get_string_member (first, "digest"), b.manifest_digest);
  ck_assert_str_eq (entry_name (json_array_get_object_element (manifests, 1)), "keep");

  g_autofree char *v1 = g_strdup_printf ("oci:%s:v1", layout);
  assert_reads_manifest (v1, NULL, b.manifest);
  g_autofree char *keep = g_strdup_printf ("oci:%s:keep", layout);
  assert_reads_manifest (keep, NULL, other.manifest);
}
END_TEST

START_TEST (test_oci_unnamed_entries)
{
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  const char *layers_a[] = { "aaa", NULL };
  const char *layers_b[] = { "bbb", NULL };
  g_auto (TestImage) a = { 0 };
  g_auto (TestImage) a_again = { 0 };
  g_auto (TestImage) b = { 0 };
  g_autoptr (JsonParser) parser1 = NULL;
  g_autoptr (JsonParser) parser2 = NULL;

  /* The same image twice without a name: one entry (as containers/image does). */
  write_image (&a, layout, NULL, NULL, "a", layers_a);
  write_image (&a_again, layout, NULL, NULL, "a", layers_a);
  ck_assert_uint_eq (json_array_get_length (load_index_manifests (layout, &parser1)), 1);

  /* One image: reading needs no name. */
  g_autofree char *bare = g_strdup_printf ("oci:%s", layout);
  assert_reads_manifest (bare, NULL, a.manifest);

  /* Another image without a name is another entry; reading then needs a choice. */
  write_image (&b, layout, NULL, NULL, "b", layers_b);
  JsonArray *manifests = load_index_manifests (layout, &parser2);
  ck_assert_uint_eq (json_array_get_length (manifests), 2);
  ck_assert_ptr_null (entry_name (json_array_get_object_element (manifests, 1)));

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_ok (bare);
  g_autoptr (SkoposImageSource) src = skopos_image_reference_open_source (ref, NULL, NULL, &error);
  ck_assert_ptr_null (src);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_REFERENCE);
  assert_message_contains (error, "2 images");
  assert_message_contains (error, layout);

  g_autofree char *second = g_strdup_printf ("oci:%s:@1", layout);
  assert_reads_manifest (second, NULL, b.manifest);

  g_autofree char *third = g_strdup_printf ("oci:%s:@2", layout);
  g_autoptr (SkoposImageReference) ref3 = parse_ok (third);
  g_clear_error (&error);
  g_autoptr (SkoposImageSource) src3 = skopos_image_reference_open_source (ref3, NULL, NULL,
                                                                          &error);
  ck_assert_ptr_null (src3);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_FOUND);
}
END_TEST

START_TEST (test_oci_missing_name_and_path)
{
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  const char *layers[] = { "aaa", NULL };
  g_auto (TestImage) a = { 0 };
  write_image (&a, layout, "here", NULL, "a", layers);

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_layout (layout, "elsewhere");
  g_autoptr (SkoposImageSource) src = skopos_image_reference_open_source (ref, NULL, NULL, &error);
  ck_assert_ptr_null (src);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_FOUND);
  assert_message_contains (error, "elsewhere");
  assert_message_contains (error, layout);

  g_clear_error (&error);
  g_autofree char *missing = g_build_filename (tmpdir, "no-such-layout", NULL);
  g_autoptr (SkoposImageReference) ref2 = parse_layout (missing, "x");
  g_autoptr (SkoposImageSource) src2 = skopos_image_reference_open_source (ref2, NULL, NULL,
                                                                          &error);
  ck_assert_ptr_null (src2);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_FAILED);
  assert_message_contains (error, missing);

  /* An empty folder is not a layout either. */
  g_clear_error (&error);
  g_autofree char *empty = g_build_filename (tmpdir, "empty", NULL);
  ck_assert_int_eq (g_mkdir (empty, 0755), 0);
  g_autoptr (SkoposImageReference) ref3 = parse_layout (empty, NULL);
  g_autoptr (SkoposImageSource) src3 = skopos_image_reference_open_source (ref3, NULL, NULL,
                                                                          &error);
  ck_assert_ptr_null (src3);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);
  assert_message_contains (error, "index.json");

  /* Deleting from a missing layout, and a missing name. */
  g_clear_error (&error);
  ck_assert (!skopos_image_reference_delete (ref2, NULL, NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_FAILED);
  ck_assert (!g_file_test (missing, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  ck_assert (!skopos_image_reference_delete (ref, NULL, NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_FOUND);
  assert_message_contains (error, "elsewhere");
}
END_TEST

static const char *const corrupt_indexes[] = {
  "{\"schemaVersion\":2,\"manifests\":[",
  "[1,2,3]",
  "{\"schemaVersion\":2,\"manifests\":{}}",
  "{\"schemaVersion\":2,\"manifests\":[42]}",
  "",
};

START_TEST (test_oci_corrupt_index)
{
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  g_autofree char *index_path = g_build_filename (layout, "index.json", NULL);
  ck_assert_int_eq (g_mkdir (layout, 0755), 0);
  write_file (index_path, corrupt_indexes[_i]);
  g_autoptr (GHashTable) before = snapshot (layout);

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_layout (layout, "x");
  g_autoptr (SkoposImageSource) src = skopos_image_reference_open_source (ref, NULL, NULL, &error);
  ck_assert_ptr_null (src);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);
  assert_message_contains (error, index_path);

  g_clear_error (&error);
  g_autoptr (SkoposImageDestination) dest =
      skopos_image_reference_open_destination (ref, NULL, NULL, &error);
  ck_assert_ptr_null (dest);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);
  assert_message_contains (error, index_path);

  g_clear_error (&error);
  ck_assert (!skopos_image_reference_delete (ref, NULL, NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);

  g_autoptr (GHashTable) after = snapshot (layout);
  assert_same_snapshot (before, after);
}
END_TEST

START_TEST (test_oci_digest_traversal_refused)
{
  /* The digest would reach LAYOUT/x, which exists; it must be refused anyway. */
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  g_autofree char *sha_dir = g_build_filename (layout, "blobs", "sha256", NULL);
  ck_assert_int_eq (g_mkdir_with_parents (sha_dir, 0755), 0);
  g_autofree char *target = g_build_filename (layout, "x", NULL);
  write_file (target, "{\"schemaVersion\":2,\"config\":{},\"layers\":[]}");
  g_autofree char *index_path = g_build_filename (layout, "index.json", NULL);
  write_file (index_path,
              "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" SKOPOS_MEDIA_TYPE_OCI_MANIFEST
              "\",\"digest\":\"sha256:../../x\",\"size\":10,\"annotations\":{\"" REF_NAME
              "\":\"evil\"}}]}");

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_layout (layout, "evil");
  g_autoptr (SkoposImageSource) src = skopos_image_reference_open_source (ref, NULL, NULL, &error);
  ck_assert_ptr_null (src);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);
  assert_message_contains (error, "sha256:../../x");

  g_clear_error (&error);
  ck_assert (!skopos_image_reference_delete (ref, NULL, NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);
  ck_assert (g_file_test (target, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (test_oci_delete_walk_refuses_traversal)
{
  /* A manifest naming a layer "sha256:../../../victim": delete must not follow it. */
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  g_autofree char *victim = g_build_filename (tmpdir, "victim", NULL);
  write_file (victim, "precious");
  const char *manifest = "{\"schemaVersion\":2,\"mediaType\":\"" SKOPOS_MEDIA_TYPE_OCI_MANIFEST
                         "\",\"config\":{\"mediaType\":\"" SKOPOS_MEDIA_TYPE_OCI_CONFIG
                         "\",\"digest\":\"sha256:../../../victim\",\"size\":8},\"layers\":[]}";
  g_autofree char *digest = skopos_digest_compute ("sha256", manifest, strlen (manifest));
  g_autofree char *sha_dir = g_build_filename (layout, "blobs", "sha256", NULL);
  ck_assert_int_eq (g_mkdir_with_parents (sha_dir, 0755), 0);
  g_autofree char *blob = g_build_filename (sha_dir, digest + 7, NULL);
  write_file (blob, manifest);
  g_autofree char *index = g_strdup_printf (
      "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" SKOPOS_MEDIA_TYPE_OCI_MANIFEST
      "\",\"digest\":\"%s\",\"size\":%zu}]}", digest, strlen (manifest));
  g_autofree char *index_path = g_build_filename (layout, "index.json", NULL);
  write_file (index_path, index);

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_layout (layout, NULL);
  ck_assert (!skopos_image_reference_delete (ref, NULL, NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);
  ck_assert (g_file_test (victim, G_FILE_TEST_EXISTS));
  g_autofree char *index_after = read_file (index_path);
  ck_assert_str_eq (index_after, index);
}
END_TEST

START_TEST (test_oci_blob_mismatch_keeps_nothing)
{
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_layout (layout, "x");
  g_autoptr (SkoposImageDestination) dest =
      skopos_image_reference_open_destination (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);

  const char *data = "the real bytes";
  g_autofree char *wrong = skopos_digest_compute ("sha256", "other bytes", 11);
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_data (data, strlen (data), NULL);
  ck_assert (!skopos_image_destination_put_blob (dest, in, wrong, strlen (data), NULL, FALSE, NULL,
                                                 NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_DIGEST_MISMATCH);

  /* Neither the blob nor a temporary file. */
  g_autofree char *blob_dir = g_build_filename (layout, "blobs", NULL);
  ck_assert (!blob_exists (blob_dir, wrong));
  g_autoptr (GHashTable) snap = snapshot (layout);
  ck_assert_uint_eq (g_hash_table_size (snap), 1); /* blobs/ */

  /* The size is checked too. */
  g_clear_error (&error);
  g_autofree char *right = skopos_digest_compute ("sha256", data, strlen (data));
  g_autoptr (GInputStream) in2 = g_memory_input_stream_new_from_data (data, strlen (data), NULL);
  ck_assert (!skopos_image_destination_put_blob (dest, in2, right, 3, NULL, FALSE, NULL, NULL,
                                                 &error));
  ck_assert_ptr_nonnull (error);
  ck_assert (!blob_exists (blob_dir, right));

  g_clear_pointer (&dest, skopos_image_destination_unref);
  ck_assert (!g_file_test (layout, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (test_oci_manifest_blob_mismatch_on_read)
{
  /* Blobs whose bytes were changed on disk fail when read back. */
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  const char *layers[] = { "aaa", NULL };
  g_auto (TestImage) a = { 0 };
  write_image (&a, layout, "v", NULL, "a", layers);

  g_autofree char *layer_path =
      g_build_filename (layout, "blobs", "sha256", a.layer_digests[0] + 7, NULL);
  write_file (layer_path, "AAA");

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_layout (layout, "v");
  g_autoptr (SkoposImageSource) src = skopos_image_reference_open_source (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);
  g_autoptr (GBytes) bytes = skopos_image_source_read_blob (src, a.layer_digests[0], 3, NULL,
                                                            &error);
  ck_assert_ptr_null (bytes);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_DIGEST_MISMATCH);

  /* The same for the manifest index.json points to. */
  g_clear_error (&error);
  g_autofree char *manifest_path =
      g_build_filename (layout, "blobs", "sha256", a.manifest_digest + 7, NULL);
  g_autofree char *manifest = read_file (manifest_path);
  manifest[strlen (manifest) - 1] = ' ';
  write_file (manifest_path, manifest);
  g_autoptr (GBytes) got = NULL;
  g_autofree char *media_type = NULL;
  ck_assert (!skopos_image_source_get_manifest (src, NULL, &got, &media_type, NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_DIGEST_MISMATCH);
  assert_message_contains (error, a.manifest_digest);
}
END_TEST

/* ---- delete ----------------------------------------------------------------------- */

START_TEST (test_oci_delete_keeps_shared_blobs)
{
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  g_autofree char *blob_dir = g_build_filename (layout, "blobs", NULL);
  const char *layers_a[] = { "shared", "only in a", NULL };
  const char *layers_b[] = { "shared", "only in b", NULL };
  g_auto (TestImage) a = { 0 };
  g_auto (TestImage) b = { 0 };
  write_image (&a, layout, "a", NULL, "a", layers_a);
  write_image (&b, layout, "b", NULL, "b", layers_b);

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref_a = parse_layout (layout, "a");
  ck_assert (skopos_image_reference_delete (ref_a, NULL, NULL, &error));
  skopos_assert_no_error (error);

  ck_assert (!blob_exists (blob_dir, a.manifest_digest));
  ck_assert (!blob_exists (blob_dir, a.config_digest));
  ck_assert (!blob_exists (blob_dir, a.layer_digests[1]));
  ck_assert (blob_exists (blob_dir, a.layer_digests[0])); /* shared with b */
  ck_assert (blob_exists (blob_dir, b.manifest_digest));
  ck_assert (blob_exists (blob_dir, b.config_digest));
  ck_assert (blob_exists (blob_dir, b.layer_digests[1]));

  g_autoptr (JsonParser) parser = NULL;
  JsonArray *manifests = load_index_manifests (layout, &parser);
  ck_assert_uint_eq (json_array_get_length (manifests), 1);
  ck_assert_str_eq (entry_name (json_array_get_object_element (manifests, 0)), "b");
  g_autofree char *b_text = g_strdup_printf ("oci:%s:b", layout);
  assert_reads_manifest (b_text, NULL, b.manifest);

  /* Deleting it again: not found, and nothing changes. */
  ck_assert (!skopos_image_reference_delete (ref_a, NULL, NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_FOUND);
  assert_message_contains (error, "'a'");

  /* The last image: every blob goes, the layout stays. */
  g_clear_error (&error);
  g_autoptr (SkoposImageReference) ref_b = parse_layout (layout, NULL);
  ck_assert (skopos_image_reference_delete (ref_b, NULL, NULL, &error));
  skopos_assert_no_error (error);
  g_autoptr (GHashTable) snap = snapshot (layout);
  ck_assert_uint_eq (g_hash_table_size (snap), 4); /* oci-layout index.json blobs/ blobs/sha256/ */
}
END_TEST

START_TEST (test_oci_delete_two_names_one_image)
{
  /* sample-oci names one manifest twice ("latest" and "1.0"). */
  g_autofree char *layout = g_build_filename (tmpdir, "sample", NULL);
  copy_sample ("sample-oci", layout);
  g_autoptr (GHashTable) before = snapshot (layout);

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_layout (layout, "latest");
  ck_assert (skopos_image_reference_delete (ref, NULL, NULL, &error));
  skopos_assert_no_error (error);

  g_autoptr (GHashTable) after = snapshot (layout);
  ck_assert_uint_eq (g_hash_table_size (after), g_hash_table_size (before));
  g_autofree char *one = g_strdup_printf ("oci:%s:1.0", layout);
  g_autoptr (SkoposImageReference) ref_one = parse_ok (one);
  g_autoptr (SkoposImageSource) src = skopos_image_reference_open_source (ref_one, NULL, NULL,
                                                                         &error);
  skopos_assert_no_error (error);
}
END_TEST

START_TEST (test_oci_delete_index_by_position)
{
  g_autofree char *layout = g_build_filename (tmpdir, "idx", NULL);
  copy_sample ("sample-index-oci", layout);

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_layout (layout, "@0");
  ck_assert (skopos_image_reference_delete (ref, NULL, NULL, &error));
  skopos_assert_no_error (error);

  /* The index, both instances, their configs and layers: all unused now. */
  g_autofree char *sha = g_build_filename (layout, "blobs", "sha256", NULL);
  g_autoptr (GDir) dir = g_dir_open (sha, 0, NULL);
  ck_assert_ptr_nonnull (dir);
  ck_assert_ptr_null (g_dir_read_name (dir));
}
END_TEST

/* ---- lists ------------------------------------------------------------------------ */

START_TEST (test_oci_write_index)
{
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_layout (layout, "multi");
  g_autoptr (SkoposImageDestination) dest =
      skopos_image_reference_open_destination (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);

  const char *layers[] = { "x", NULL };
  g_auto (TestImage) inst = { 0 };
  build_image (&inst, dest, "inst", layers);

  /* An instance whose bytes are not its digest is refused. */
  g_autoptr (GBytes) other = g_bytes_new_static ("{}", 2);
  ck_assert (!skopos_image_destination_put_manifest (dest, other, NULL, inst.manifest_digest, NULL,
                                                     &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_DIGEST_MISMATCH);
  g_clear_error (&error);

  ck_assert (skopos_image_destination_put_manifest (dest, inst.manifest,
                                                    SKOPOS_MEDIA_TYPE_OCI_MANIFEST,
                                                    inst.manifest_digest, NULL, &error));
  skopos_assert_no_error (error);

  g_autofree char *index = g_strdup_printf (
      "{\"schemaVersion\":2,\"mediaType\":\"" SKOPOS_MEDIA_TYPE_OCI_INDEX "\",\"manifests\":["
      "{\"mediaType\":\"" SKOPOS_MEDIA_TYPE_OCI_MANIFEST "\",\"digest\":\"%s\",\"size\":%zu,"
      "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}",
      inst.manifest_digest, g_bytes_get_size (inst.manifest));
  g_autoptr (GBytes) index_bytes = g_bytes_new (index, strlen (index));
  ck_assert (skopos_image_destination_put_manifest (dest, index_bytes, NULL, NULL, NULL, &error));
  skopos_assert_no_error (error);
  ck_assert (skopos_image_destination_commit (dest, NULL, &error));
  skopos_assert_no_error (error);

  g_autoptr (JsonParser) parser = NULL;
  JsonArray *manifests = load_index_manifests (layout, &parser);
  ck_assert_uint_eq (json_array_get_length (manifests), 1);
  JsonObject *entry = json_array_get_object_element (manifests, 0);
  ck_assert_str_eq (json_object_get_string_member (entry, "mediaType"),
                    SKOPOS_MEDIA_TYPE_OCI_INDEX);
  g_autofree char *index_digest = skopos_digest_compute ("sha256", index, strlen (index));
  ck_assert_str_eq (json_object_get_string_member (entry, "digest"), index_digest);

  g_autoptr (SkoposImageSource) src = skopos_image_reference_open_source (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);
  g_autoptr (GBytes) got = NULL;
  g_autofree char *media_type = NULL;
  ck_assert (skopos_image_source_get_manifest (src, inst.manifest_digest, &got, &media_type, NULL,
                                               &error));
  skopos_assert_no_error (error);
  ck_assert (g_bytes_equal (got, inst.manifest));
}
END_TEST

/* ---- options ---------------------------------------------------------------------- */

START_TEST (test_oci_destination_properties)
{
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_layout (layout, "x");
  g_autoptr (SkoposImageDestination) dest =
      skopos_image_reference_open_destination (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);

  const char *const *types = skopos_image_destination_get_supported_manifest_types (dest);
  ck_assert_ptr_nonnull (types);
  ck_assert_str_eq (types[0], SKOPOS_MEDIA_TYPE_OCI_MANIFEST);
  ck_assert_str_eq (types[1], SKOPOS_MEDIA_TYPE_OCI_INDEX);
  ck_assert_ptr_null (types[2]);
  ck_assert (skopos_image_destination_supports_lists (dest));
  ck_assert_int_eq (skopos_image_destination_get_desired_layer_compression (dest),
                    SKOPOS_LAYER_COMPRESSION_COMPRESS);
  ck_assert (skopos_image_destination_accepts_foreign_layers (dest));
  ck_assert (!skopos_image_destination_supports_signatures (dest));

  g_autoptr (SkoposContext) ctx = skopos_context_new ();
  skopos_context_set_boolean (ctx, SKOPOS_CONTEXT_OCI_ACCEPT_UNCOMPRESSED, TRUE);
  g_autoptr (SkoposImageDestination) dest2 =
      skopos_image_reference_open_destination (ref, ctx, NULL, &error);
  skopos_assert_no_error (error);
  ck_assert_int_eq (skopos_image_destination_get_desired_layer_compression (dest2),
                    SKOPOS_LAYER_COMPRESSION_PRESERVE);

  /* A position names an entry to read; it cannot be written. */
  g_autoptr (SkoposImageReference) by_index = parse_layout (layout, "@0");
  g_autoptr (SkoposImageDestination) dest3 =
      skopos_image_reference_open_destination (by_index, NULL, NULL, &error);
  ck_assert_ptr_null (dest3);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_REFERENCE);

  /* A layout path that is a file. */
  g_clear_error (&error);
  g_autofree char *file = g_build_filename (tmpdir, "file", NULL);
  write_file (file, "x");
  g_autoptr (SkoposImageReference) file_ref = parse_layout (file, "x");
  g_autoptr (SkoposImageDestination) dest4 =
      skopos_image_reference_open_destination (file_ref, NULL, NULL, &error);
  ck_assert_ptr_null (dest4);
  ck_assert_ptr_nonnull (error);
}
END_TEST

START_TEST (test_oci_shared_blob_dir)
{
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  g_autofree char *shared = g_build_filename (tmpdir, "shared", NULL);
  g_autoptr (SkoposContext) ctx = skopos_context_new ();
  skopos_context_set_string (ctx, SKOPOS_CONTEXT_SHARED_BLOB_DIR, shared);

  const char *layers[] = { "in the shared folder", NULL };
  g_auto (TestImage) img = { 0 };
  write_image (&img, layout, "s", ctx, "s", layers);

  ck_assert (blob_exists (shared, img.manifest_digest));
  ck_assert (blob_exists (shared, img.layer_digests[0]));
  g_autofree char *local = g_build_filename (layout, "blobs", NULL);
  ck_assert (!blob_exists (local, img.manifest_digest));

  g_autofree char *text = g_strdup_printf ("oci:%s:s", layout);
  assert_reads_manifest (text, ctx, img.manifest);

  /* Without the option the manifest is not found in PATH/blobs. */
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_ok (text);
  g_autoptr (SkoposImageSource) src = skopos_image_reference_open_source (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);
  g_autoptr (GBytes) manifest = NULL;
  g_autofree char *media_type = NULL;
  ck_assert (!skopos_image_source_get_manifest (src, NULL, &manifest, &media_type, NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);

  /* Delete never removes shared blobs: other layouts may use them. */
  g_clear_error (&error);
  ck_assert (skopos_image_reference_delete (ref, ctx, NULL, &error));
  skopos_assert_no_error (error);
  ck_assert (blob_exists (shared, img.layer_digests[0]));
}
END_TEST

START_TEST (test_oci_try_reusing_blob)
{
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  const char *layers[] = { "reuse me", NULL };
  g_auto (TestImage) img = { 0 };
  write_image (&img, layout, "a", NULL, "a", layers);

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_layout (layout, "b");
  g_autoptr (SkoposImageDestination) dest =
      skopos_image_reference_open_destination (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);

  gboolean reused = FALSE;
  ck_assert (skopos_image_destination_try_reusing_blob (dest, img.layer_digests[0], 8, NULL, FALSE,
                                                        NULL, &reused, NULL, &error));
  skopos_assert_no_error (error);
  ck_assert (reused);

  ck_assert (skopos_image_destination_try_reusing_blob (dest, img.layer_digests[0], 9, NULL, FALSE,
                                                        NULL, &reused, NULL, &error));
  ck_assert (!reused);

  g_autofree char *absent = skopos_digest_compute ("sha256", "absent", 6);
  ck_assert (skopos_image_destination_try_reusing_blob (dest, absent, -1, NULL, FALSE, NULL,
                                                        &reused, NULL, &error));
  ck_assert (!reused);
}
END_TEST

/* ---- what an uncommitted destination leaves --------------------------------------- */

START_TEST (test_oci_abort_removes_new_layout)
{
  g_autofree char *top = g_build_filename (tmpdir, "a", NULL);
  g_autofree char *layout = g_build_filename (top, "b", "layout", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_layout (layout, "x");
  SkoposImageDestination *dest = skopos_image_reference_open_destination (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);

  const char *layers[] = { "one", "two", NULL };
  g_auto (TestImage) img = { 0 };
  build_image (&img, dest, "x", layers);
  ck_assert (skopos_image_destination_put_manifest (dest, img.manifest, NULL, NULL, NULL, &error));
  ck_assert (g_file_test (layout, G_FILE_TEST_IS_DIR));

  skopos_image_destination_unref (dest);
  ck_assert_msg (!g_file_test (top, G_FILE_TEST_EXISTS), "'%s' was left behind", top);
  g_autoptr (GHashTable) snap = snapshot (tmpdir);
  ck_assert_uint_eq (g_hash_table_size (snap), 0);
}
END_TEST

START_TEST (test_oci_abort_leaves_existing_layout_unchanged)
{
  g_autofree char *layout = g_build_filename (tmpdir, "sample", NULL);
  copy_sample ("sample-oci", layout);
  g_autoptr (GHashTable) before = snapshot (layout);

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_layout (layout, "latest");
  SkoposImageDestination *dest = skopos_image_reference_open_destination (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);

  /* New blobs, a reused one, a sha512 one and a replacement for an existing name. */
  const char *layers[] = { "new layer", NULL };
  g_auto (TestImage) img = { 0 };
  build_image (&img, dest, "replacement", layers);

  g_autoptr (JsonParser) parser = NULL;
  JsonArray *manifests = load_index_manifests (layout, &parser);
  const char *existing =
      json_object_get_string_member (json_array_get_object_element (manifests, 0), "digest");
  gboolean reused = FALSE;
  ck_assert (skopos_image_destination_try_reusing_blob (dest, existing, -1, NULL, FALSE, NULL,
                                                        &reused, NULL, &error));
  ck_assert (reused);

  const char *data = "sha512 blob";
  g_autofree char *d512 = skopos_digest_compute ("sha512", data, strlen (data));
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_data (data, strlen (data), NULL);
  ck_assert (skopos_image_destination_put_blob (dest, in, d512, strlen (data), NULL, FALSE, NULL,
                                                NULL, &error));
  skopos_assert_no_error (error);
  g_autofree char *d512_path = g_build_filename (layout, "blobs", "sha512", d512 + 7, NULL);
  ck_assert (g_file_test (d512_path, G_FILE_TEST_IS_REGULAR));

  ck_assert (skopos_image_destination_put_manifest (dest, img.manifest, NULL, NULL, NULL, &error));
  skopos_assert_no_error (error);

  skopos_image_destination_unref (dest);
  g_autoptr (GHashTable) after = snapshot (layout);
  assert_same_snapshot (before, after);
}
END_TEST

START_TEST (test_oci_abort_keeps_blobs_committed_by_others)
{
  /* Two writers put the same new blob; one commits, the other is dropped. */
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref_a = parse_layout (layout, "a");
  g_autoptr (SkoposImageReference) ref_b = parse_layout (layout, "b");
  SkoposImageDestination *dest_a = skopos_image_reference_open_destination (ref_a, NULL, NULL,
                                                                           &error);
  skopos_assert_no_error (error);
  const char *layers[] = { "common", NULL };
  g_auto (TestImage) img_a = { 0 };
  build_image (&img_a, dest_a, "a", layers);
  ck_assert (skopos_image_destination_put_manifest (dest_a, img_a.manifest, NULL, NULL, NULL,
                                                    &error));

  g_auto (TestImage) img_b = { 0 };
  write_image (&img_b, layout, "b", NULL, "b", layers);

  skopos_image_destination_unref (dest_a);
  g_autofree char *blob_dir = g_build_filename (layout, "blobs", NULL);
  ck_assert (blob_exists (blob_dir, img_b.layer_digests[0]));
  ck_assert (!blob_exists (blob_dir, img_a.config_digest));
  g_autofree char *b_text = g_strdup_printf ("oci:%s:b", layout);
  assert_reads_manifest (b_text, NULL, img_b.manifest);
}
END_TEST

START_TEST (test_oci_commit_refuses_vanished_blob)
{
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  const char *layers[] = { "shared", NULL };
  g_auto (TestImage) first = { 0 };
  write_image (&first, layout, "first", NULL, "first", layers);

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_layout (layout, "second");
  g_autoptr (SkoposImageDestination) dest =
      skopos_image_reference_open_destination (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);
  gboolean reused = FALSE;
  ck_assert (skopos_image_destination_try_reusing_blob (dest, first.layer_digests[0], -1, NULL,
                                                        FALSE, NULL, &reused, NULL, &error));
  ck_assert (reused);

  /* Someone deletes the only image using it before this writer commits. */
  g_autoptr (SkoposImageReference) first_ref = parse_layout (layout, "first");
  ck_assert (skopos_image_reference_delete (first_ref, NULL, NULL, &error));
  skopos_assert_no_error (error);

  g_auto (TestImage) second = { 0 };
  build_image (&second, NULL, "second", layers);
  ck_assert (skopos_image_destination_put_manifest (dest, second.manifest, NULL, NULL, NULL,
                                                    &error));
  ck_assert (!skopos_image_destination_commit (dest, NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_FOUND);
  assert_message_contains (error, first.layer_digests[0]);
}
END_TEST

/* ---- concurrency inside one process ----------------------------------------------- */

typedef struct
{
  const char *layout;
  guint worker;
} Worker;

static gpointer
writer_thread (gpointer data)
{
  Worker *w = data;

  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *name = g_strdup_printf ("w%u-%u", w->worker, i);
      g_autofree char *layer = g_strdup_printf ("layer of %s", name);
      const char *layers[] = { layer, "common layer", NULL };
      g_auto (TestImage) img = { 0 };
      write_image (&img, w->layout, name, NULL, name, layers);
    }
  return NULL;
}

START_TEST (test_oci_concurrent_writers_lose_nothing)
{
  g_autofree char *layout = g_build_filename (tmpdir, "l", NULL);
  Worker workers[4];
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (workers); i++)
    {
      workers[i] = (Worker){ .layout = layout, .worker = i };
      threads[i] = g_thread_new ("writer", writer_thread, &workers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  g_autoptr (JsonParser) parser = NULL;
  JsonArray *manifests = load_index_manifests (layout, &parser);
  ck_assert_uint_eq (json_array_get_length (manifests), 4 * 8);
  for (guint w = 0; w < 4; w++)
    for (guint i = 0; i < 8; i++)
      {
        g_autofree char *name = g_strdup_printf ("w%u-%u", w, i);
        gboolean found = FALSE;
        for (guint k = 0; k < json_array_get_length (manifests); k++)
          if (g_strcmp0 (entry_name (json_array_get_object_element (manifests, k)), name) == 0)
            found = TRUE;
        ck_assert_msg (found, "entry '%s' was lost", name);
      }

  g_autofree char *lock = g_build_filename (layout, "index.json.lock", NULL);
  ck_assert (!g_file_test (lock, G_FILE_TEST_EXISTS));
}
END_TEST

static Suite *
oci_suite (void)
{
  Suite *s = suite_create ("Oci");

  TCase *tc = tcase_create ("references");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_oci_reference_forms, 0, G_N_ELEMENTS (ref_cases));
  tcase_add_test (tc, test_oci_policy_identity_is_resolved_path);
  suite_add_tcase (s, tc);

  tc = tcase_create ("read-write");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_oci_write_then_read_back);
  tcase_add_test (tc, test_oci_reads_sample_layout);
  tcase_add_test (tc, test_oci_replaces_named_entry);
  tcase_add_test (tc, test_oci_unnamed_entries);
  tcase_add_test (tc, test_oci_write_index);
  tcase_add_test (tc, test_oci_destination_properties);
  tcase_add_test (tc, test_oci_shared_blob_dir);
  tcase_add_test (tc, test_oci_try_reusing_blob);
  suite_add_tcase (s, tc);

  tc = tcase_create ("bad-input");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_oci_missing_name_and_path);
  tcase_add_loop_test (tc, test_oci_corrupt_index, 0, G_N_ELEMENTS (corrupt_indexes));
  tcase_add_test (tc, test_oci_digest_traversal_refused);
  tcase_add_test (tc, test_oci_delete_walk_refuses_traversal);
  tcase_add_test (tc, test_oci_blob_mismatch_keeps_nothing);
  tcase_add_test (tc, test_oci_manifest_blob_mismatch_on_read);
  suite_add_tcase (s, tc);

  tc = tcase_create ("delete");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_oci_delete_keeps_shared_blobs);
  tcase_add_test (tc, test_oci_delete_two_names_one_image);
  tcase_add_test (tc, test_oci_delete_index_by_position);
  suite_add_tcase (s, tc);

  tc = tcase_create ("abort");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_oci_abort_removes_new_layout);
  tcase_add_test (tc, test_oci_abort_leaves_existing_layout_unchanged);
  tcase_add_test (tc, test_oci_abort_keeps_blobs_committed_by_others);
  tcase_add_test (tc, test_oci_commit_refuses_vanished_blob);
  suite_add_tcase (s, tc);

  tc = tcase_create ("concurrency");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_oci_concurrent_writers_lose_nothing);
  suite_add_tcase (s, tc);

  return s;
}

SKOPOS_TEST_MAIN (oci_suite)
