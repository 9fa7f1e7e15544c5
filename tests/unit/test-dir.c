/* test-dir.c: the dir transport through the public API: file names as skopeo writes
 * them, reading back, signatures, replacing a previous image, refusing other
 * folders, and what an uncommitted destination leaves behind (nothing).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skopos-check.h"
#include "tree-snapshot.h"
#include <skopos/skopos-transport-plugin.h>

#define VERSION_TEXT "Directory Transport Version: 1.1\n"

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
parse_dir (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strconcat ("dir:", path, NULL);
  SkoposImageReference *ref = skopos_image_reference_parse (text, &error);
  skopos_assert_no_error (error);
  return ref;
}

static void
write_file (const char *path, const char *contents)
{
  ck_assert_msg (g_file_set_contents (path, contents, -1, NULL), "writing %s", path);
}

static char *
file_in (const char *dir, const char *name)
{
  return g_build_filename (dir, name, NULL);
}

/* ---- building images ------------------------------------------------------------ */

typedef struct
{
  char *digests[4]; /* config, then layers */
  guint n_blobs;
  GBytes *manifest;
} TestImage;

static void
test_image_clear (TestImage *img)
{
  for (guint i = 0; i < img->n_blobs; i++)
    g_free (img->digests[i]);
  if (img->manifest)
    g_bytes_unref (img->manifest);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TestImage, test_image_clear)

static gboolean
put_bytes (SkoposImageDestination *dest, const char *data, const char *digest, GError **error)
{
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_data (data, strlen (data), NULL);
  return skopos_image_destination_put_blob (dest, in, digest, strlen (data), NULL, FALSE, NULL,
                                            NULL, error);
}

/* A Docker schema 2 image (dir keeps any manifest type as it is) with a config
 * saying @tag and layers @layers (NULL-terminated, up to 3), put into @dest. */
static void
put_image (TestImage *img, SkoposImageDestination *dest, const char *tag, const char *const *layers)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *config = g_strdup_printf ("{\"architecture\":\"amd64\",\"os\":\"linux\","
                                             "\"config\":{\"Labels\":{\"t\":\"%s\"}}}", tag);
  img->digests[0] = skopos_digest_compute ("sha256", config, strlen (config));
  img->n_blobs = 1;
  ck_assert (put_bytes (dest, config, img->digests[0], &error));
  skopos_assert_no_error (error);

  g_autoptr (GString) layer_json = g_string_new (NULL);
  for (guint i = 0; layers[i] != NULL; i++)
    {
      char *digest = skopos_digest_compute ("sha256", layers[i], strlen (layers[i]));
      img->digests[img->n_blobs++] = digest;
      gboolean reused = FALSE;
      ck_assert (skopos_image_destination_try_reusing_blob (dest, digest, strlen (layers[i]), NULL,
                                                            FALSE, NULL, &reused, NULL, &error));
      skopos_assert_no_error (error);
      if (!reused)
        ck_assert (put_bytes (dest, layers[i], digest, &error));
      skopos_assert_no_error (error);
      g_string_append_printf (layer_json,
                              "%s{\"mediaType\":\"" SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP
                              "\",\"size\":%zu,\"digest\":\"%s\"}",
                              i ? "," : "", strlen (layers[i]), digest);
    }

  g_autofree char *manifest = g_strdup_printf (
      "{\"schemaVersion\":2,\"mediaType\":\"" SKOPOS_MEDIA_TYPE_DOCKER_V2S2 "\","
      "\"config\":{\"mediaType\":\"" SKOPOS_MEDIA_TYPE_DOCKER_CONFIG "\",\"size\":%zu,"
      "\"digest\":\"%s\"},\"layers\":[%s]}",
      strlen (config), img->digests[0], layer_json->str);
  img->manifest = g_bytes_new (manifest, strlen (manifest));
  ck_assert (skopos_image_destination_put_manifest (dest, img->manifest, NULL, NULL, NULL, &error));
  skopos_assert_no_error (error);
}

static void
write_image (TestImage *img, const char *path, const char *tag, const char *const *layers)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_dir (path);
  g_autoptr (SkoposImageDestination) dest =
      skopos_image_reference_open_destination (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);
  put_image (img, dest, tag, layers);
  ck_assert (skopos_image_destination_commit (dest, NULL, &error));
  skopos_assert_no_error (error);
}

static gboolean
has_stage_folder (const char *dir_path)
{
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, ".skopos-dir-") || g_str_has_prefix (name, ".tmp-"))
      return TRUE;
  return FALSE;
}

/* ---- tests ------------------------------------------------------------------------ */

START_TEST (test_dir_reference_forms)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_dir ("/srv/image:with:colons");
  g_autofree char *within = skopos_image_reference_dup_within_transport (ref);
  ck_assert_str_eq (within, "/srv/image:with:colons");
  g_autofree char *text = skopos_image_reference_to_string (ref);
  ck_assert_str_eq (text, "dir:/srv/image:with:colons");
  g_autofree char *docker = skopos_image_reference_dup_docker_reference (ref);
  ck_assert_ptr_null (docker);

  g_autoptr (SkoposImageReference) rel = parse_dir ("relative/img");
  g_autofree char *identity = skopos_image_reference_dup_policy_identity (rel);
  ck_assert (g_path_is_absolute (identity));
  ck_assert (g_str_has_suffix (identity, "/relative/img"));

  g_autoptr (SkoposImageReference) empty = skopos_image_reference_parse ("dir:", &error);
  ck_assert_ptr_null (empty);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_REFERENCE);

  /* dir: has no delete. */
  g_clear_error (&error);
  ck_assert (!skopos_image_reference_delete (ref, NULL, NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_SUPPORTED);
}
END_TEST

START_TEST (test_dir_write_then_read_back)
{
  g_autofree char *path = g_build_filename (tmpdir, "parent", "img", NULL);
  const char *layers[] = { "layer one", "layer two", NULL };
  g_auto (TestImage) img = { 0 };
  g_autoptr (GError) error = NULL;

  {
    g_autoptr (SkoposImageReference) ref = parse_dir (path);
    g_autoptr (SkoposImageDestination) dest =
        skopos_image_reference_open_destination (ref, NULL, NULL, &error);
    skopos_assert_no_error (error);
    ck_assert_ptr_null (skopos_image_destination_get_supported_manifest_types (dest));
    ck_assert_int_eq (skopos_image_destination_get_desired_layer_compression (dest),
                      SKOPOS_LAYER_COMPRESSION_PRESERVE);
    ck_assert (!skopos_image_destination_accepts_foreign_layers (dest));
    ck_assert (skopos_image_destination_supports_signatures (dest));

    put_image (&img, dest, "one", layers);
    g_autoptr (GPtrArray) sigs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    g_ptr_array_add (sigs, g_bytes_new_static ("sig one", 7));
    g_ptr_array_add (sigs, g_bytes_new_static ("sig two", 7));
    ck_assert (skopos_image_destination_put_signatures (dest, sigs, NULL, NULL, &error));
    skopos_assert_no_error (error);

    /* Nothing is visible before the commit. */
    ck_assert (!g_file_test (path, G_FILE_TEST_EXISTS));
    ck_assert (skopos_image_destination_commit (dest, NULL, &error));
    skopos_assert_no_error (error);
  }

  /* The files skopeo writes, and nothing else. */
  g_autoptr (GHashTable) snap = snapshot (path);
  ck_assert_uint_eq (g_hash_table_size (snap), 1 + 1 + 3 + 2);
  ck_assert_str_eq (g_hash_table_lookup (snap, "version"), VERSION_TEXT);
  assert_snapshot_file_is (snap, "manifest.json", img.manifest);
  ck_assert_str_eq (g_hash_table_lookup (snap, img.digests[1] + 7), "layer one");
  ck_assert_str_eq (g_hash_table_lookup (snap, "signature-1"), "sig one");
  ck_assert_str_eq (g_hash_table_lookup (snap, "signature-2"), "sig two");
  g_autofree char *parent = g_path_get_dirname (path);
  ck_assert (!has_stage_folder (parent));

  struct stat st;
  g_autofree char *blob = file_in (path, img.digests[2] + 7);
  ck_assert_int_eq (stat (blob, &st), 0);
  ck_assert_int_eq (st.st_mode & 0777, 0644);

  g_autoptr (SkoposImageReference) ref = parse_dir (path);
  g_autoptr (SkoposImageSource) src = skopos_image_reference_open_source (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);
  g_autoptr (GBytes) manifest = NULL;
  g_autofree char *media_type = NULL;
  ck_assert (skopos_image_source_get_manifest (src, NULL, &manifest, &media_type, NULL, &error));
  skopos_assert_no_error (error);
  ck_assert (g_bytes_equal (manifest, img.manifest));
  ck_assert_str_eq (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S2);

  g_autoptr (GBytes) layer = skopos_image_source_read_blob (src, img.digests[2], -1, NULL, &error);
  skopos_assert_no_error (error);
  ck_assert_uint_eq (g_bytes_get_size (layer), strlen ("layer two"));

  g_autoptr (GPtrArray) sigs = skopos_image_source_get_signatures (src, NULL, NULL, &error);
  skopos_assert_no_error (error);
  ck_assert_uint_eq (sigs->len, 2);
  ck_assert_uint_eq (g_bytes_get_size (sigs->pdata[1]), 7);
  ck_assert (memcmp (g_bytes_get_data (sigs->pdata[1], NULL), "sig two", 7) == 0);
}
END_TEST

START_TEST (test_dir_instances_and_sha512)
{
  g_autofree char *path = g_build_filename (tmpdir, "img", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_dir (path);
  g_autoptr (SkoposImageDestination) dest =
      skopos_image_reference_open_destination (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);

  const char *data = "a sha512 blob";
  g_autofree char *d512 = skopos_digest_compute ("sha512", data, strlen (data));
  ck_assert (put_bytes (dest, data, d512, &error));
  skopos_assert_no_error (error);

  const char *instance = "{\"schemaVersion\":2,\"mediaType\":\"" SKOPOS_MEDIA_TYPE_OCI_MANIFEST
                         "\",\"config\":{},\"layers\":[]}";
  g_autofree char *instance_digest = skopos_digest_compute ("sha256", instance, strlen (instance));
  g_autoptr (GBytes) instance_bytes = g_bytes_new_static (instance, strlen (instance));
  ck_assert (skopos_image_destination_put_manifest (dest, instance_bytes, NULL, instance_digest,
                                                    NULL, &error));
  skopos_assert_no_error (error);
  g_autoptr (GPtrArray) sigs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_ptr_array_add (sigs, g_bytes_new_static ("instance sig", 12));
  ck_assert (skopos_image_destination_put_signatures (dest, sigs, instance_digest, NULL, &error));
  skopos_assert_no_error (error);

  const char *list = "{\"schemaVersion\":2,\"mediaType\":\"" SKOPOS_MEDIA_TYPE_OCI_INDEX
                     "\",\"manifests\":[]}";
  g_autoptr (GBytes) list_bytes = g_bytes_new_static (list, strlen (list));
  ck_assert (skopos_image_destination_put_manifest (dest, list_bytes, NULL, NULL, NULL, &error));
  ck_assert (skopos_image_destination_commit (dest, NULL, &error));
  skopos_assert_no_error (error);

  g_autofree char *blob512 = file_in (path, d512 + strlen ("sha512:"));
  ck_assert_uint_eq (strlen (d512 + strlen ("sha512:")), 128);
  ck_assert (g_file_test (blob512, G_FILE_TEST_IS_REGULAR));
  g_autofree char *inst_name = g_strconcat (instance_digest + 7, ".manifest.json", NULL);
  g_autofree char *inst_path = file_in (path, inst_name);
  g_autofree char *inst_contents = read_file (inst_path);
  ck_assert_str_eq (inst_contents, instance);
  g_autofree char *sig_name = g_strconcat (instance_digest + 7, ".signature-1", NULL);
  g_autofree char *sig_path = file_in (path, sig_name);
  ck_assert (g_file_test (sig_path, G_FILE_TEST_IS_REGULAR));

  g_autoptr (SkoposImageSource) src = skopos_image_reference_open_source (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);
  g_autoptr (GBytes) got = NULL;
  g_autofree char *media_type = NULL;
  ck_assert (skopos_image_source_get_manifest (src, instance_digest, &got, &media_type, NULL,
                                               &error));
  skopos_assert_no_error (error);
  ck_assert (g_bytes_equal (got, instance_bytes));
  g_autoptr (GPtrArray) got_sigs = skopos_image_source_get_signatures (src, instance_digest, NULL,
                                                                      &error);
  skopos_assert_no_error (error);
  ck_assert_uint_eq (got_sigs->len, 1);
  g_autoptr (GPtrArray) top_sigs = skopos_image_source_get_signatures (src, NULL, NULL, &error);
  skopos_assert_no_error (error);
  ck_assert_uint_eq (top_sigs->len, 0);
  g_autoptr (GBytes) b512 = skopos_image_source_read_blob (src, d512, -1, NULL, &error);
  skopos_assert_no_error (error);
}
END_TEST

START_TEST (test_dir_replaces_previous_image)
{
  g_autofree char *path = g_build_filename (tmpdir, "img", NULL);
  const char *old_layers[] = { "kept layer", "old layer", NULL };
  const char *new_layers[] = { "kept layer", "new layer", NULL };
  g_auto (TestImage) old_img = { 0 };
  g_auto (TestImage) new_img = { 0 };
  write_image (&old_img, path, "old", old_layers);

  /* Signatures of the old image must not survive into the new one. */
  g_autofree char *old_sig = file_in (path, "signature-1");
  write_file (old_sig, "old signature");
  struct stat before;
  ck_assert_int_eq (stat (path, &before), 0);

  write_image (&new_img, path, "new", new_layers);

  g_autoptr (GHashTable) snap = snapshot (path);
  ck_assert_uint_eq (g_hash_table_size (snap), 2 + 3);
  ck_assert (g_hash_table_contains (snap, new_img.digests[0] + 7));
  ck_assert (g_hash_table_contains (snap, new_img.digests[1] + 7));
  ck_assert (g_hash_table_contains (snap, new_img.digests[2] + 7));
  ck_assert (!g_hash_table_contains (snap, old_img.digests[2] + 7));
  ck_assert (!g_hash_table_contains (snap, "signature-1"));
  assert_snapshot_file_is (snap, "manifest.json", new_img.manifest);

  /* The folder itself is the same one. */
  struct stat after;
  ck_assert_int_eq (stat (path, &after), 0);
  ck_assert_uint_eq (before.st_ino, after.st_ino);
}
END_TEST

START_TEST (test_dir_reuses_checked_blobs_of_previous_image)
{
  g_autofree char *path = g_build_filename (tmpdir, "img", NULL);
  const char *layers[] = { "good layer", "bad layer", NULL };
  g_auto (TestImage) old_img = { 0 };
  write_image (&old_img, path, "old", layers);

  /* Damage one blob of the old image: it must not be reused. */
  g_autofree char *bad = file_in (path, old_img.digests[2] + 7);
  write_file (bad, "BAD LAYER");

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_dir (path);
  g_autoptr (SkoposImageDestination) dest =
      skopos_image_reference_open_destination (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);

  gboolean reused = FALSE;
  ck_assert (skopos_image_destination_try_reusing_blob (dest, old_img.digests[1], 10, NULL, FALSE,
                                                        NULL, &reused, NULL, &error));
  skopos_assert_no_error (error);
  ck_assert (reused);
  ck_assert (skopos_image_destination_try_reusing_blob (dest, old_img.digests[2], 9, NULL, FALSE,
                                                        NULL, &reused, NULL, &error));
  skopos_assert_no_error (error);
  ck_assert (!reused);
  ck_assert (skopos_image_destination_try_reusing_blob (dest, old_img.digests[1], 11, NULL, FALSE,
                                                        NULL, &reused, NULL, &error));
  ck_assert (!reused);
}
END_TEST

START_TEST (test_dir_refuses_other_folders)
{
  g_autofree char *path = g_build_filename (tmpdir, "important", NULL);
  ck_assert_int_eq (g_mkdir (path, 0755), 0);
  g_autofree char *file = file_in (path, "thesis.tex");
  write_file (file, "years of work");
  g_autoptr (GHashTable) before = snapshot (path);

  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_dir (path);
  g_autoptr (SkoposImageDestination) dest =
      skopos_image_reference_open_destination (ref, NULL, NULL, &error);
  ck_assert_ptr_null (dest);
  ck_assert_ptr_nonnull (error);
  assert_message_contains (error, path);

  /* A version file with other contents does not make it a dir: image. */
  g_clear_error (&error);
  g_autofree char *version = file_in (path, "version");
  write_file (version, "Directory Transport Version: 9.9\n");
  g_autoptr (SkoposImageDestination) dest2 =
      skopos_image_reference_open_destination (ref, NULL, NULL, &error);
  ck_assert_ptr_null (dest2);
  ck_assert_ptr_nonnull (error);
  ck_assert_int_eq (g_unlink (version), 0);

  g_autoptr (GHashTable) after = snapshot (path);
  assert_same_snapshot (before, after);

  /* A file where the folder should be. */
  g_clear_error (&error);
  g_autoptr (SkoposImageReference) file_ref = parse_dir (file);
  g_autoptr (SkoposImageDestination) dest3 =
      skopos_image_reference_open_destination (file_ref, NULL, NULL, &error);
  ck_assert_ptr_null (dest3);
  ck_assert_ptr_nonnull (error);
}
END_TEST

START_TEST (test_dir_writes_into_empty_folder)
{
  g_autofree char *path = g_build_filename (tmpdir, "empty", NULL);
  ck_assert_int_eq (g_mkdir (path, 0700), 0);
  const char *layers[] = { "x", NULL };
  g_auto (TestImage) img = { 0 };
  write_image (&img, path, "x", layers);

  struct stat st;
  ck_assert_int_eq (stat (path, &st), 0);
  ck_assert_int_eq (st.st_mode & 0777, 0700);
  g_autoptr (GHashTable) snap = snapshot (path);
  ck_assert_uint_eq (g_hash_table_size (snap), 2 + 2);
}
END_TEST

START_TEST (test_dir_abort_leaves_nothing)
{
  /* A new folder (and its missing parents) disappears entirely. */
  g_autofree char *top = g_build_filename (tmpdir, "a", NULL);
  g_autofree char *path = g_build_filename (top, "b", "img", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_dir (path);
  SkoposImageDestination *dest = skopos_image_reference_open_destination (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);
  const char *layers[] = { "one", NULL };
  g_auto (TestImage) img = { 0 };
  put_image (&img, dest, "x", layers);
  skopos_image_destination_unref (dest);
  ck_assert_msg (!g_file_test (top, G_FILE_TEST_EXISTS), "'%s' was left behind", top);

  /* An existing image stays exactly as it was. */
  g_autofree char *old_path = g_build_filename (tmpdir, "old", NULL);
  const char *old_layers[] = { "old one", "old two", NULL };
  g_auto (TestImage) old_img = { 0 };
  write_image (&old_img, old_path, "old", old_layers);
  g_autoptr (GHashTable) before = snapshot (old_path);

  g_autoptr (SkoposImageReference) old_ref = parse_dir (old_path);
  dest = skopos_image_reference_open_destination (old_ref, NULL, NULL, &error);
  skopos_assert_no_error (error);
  const char *new_layers[] = { "old one", "new two", NULL };
  g_auto (TestImage) new_img = { 0 };
  put_image (&new_img, dest, "new", new_layers);
  skopos_image_destination_unref (dest);

  g_autoptr (GHashTable) after = snapshot (old_path);
  assert_same_snapshot (before, after);
}
END_TEST

START_TEST (test_dir_blob_mismatch_keeps_nothing)
{
  g_autofree char *path = g_build_filename (tmpdir, "img", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposImageReference) ref = parse_dir (path);
  SkoposImageDestination *dest = skopos_image_reference_open_destination (ref, NULL, NULL, &error);
  skopos_assert_no_error (error);

  g_autofree char *wrong = skopos_digest_compute ("sha256", "other", 5);
  ck_assert (!put_bytes (dest, "the bytes", wrong, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_DIGEST_MISMATCH);

  /* Committing without a manifest is refused too. */
  g_clear_error (&error);
  ck_assert (!skopos_image_destination_commit (dest, NULL, &error));
  ck_assert_ptr_nonnull (error);
  skopos_image_destination_unref (dest);

  g_autoptr (GDir) dir = g_dir_open (tmpdir, 0, NULL);
  ck_assert_ptr_null (g_dir_read_name (dir));
}
END_TEST

START_TEST (test_dir_missing_source)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (tmpdir, "nothing-here", NULL);
  g_autoptr (SkoposImageReference) ref = parse_dir (missing);
  g_autoptr (SkoposImageSource) src = skopos_image_reference_open_source (ref, NULL, NULL, &error);
  ck_assert_ptr_null (src);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_FAILED);
  assert_message_contains (error, missing);

  /* A folder without manifest.json. */
  g_clear_error (&error);
  g_autoptr (SkoposImageReference) empty = parse_dir (tmpdir);
  g_autoptr (SkoposImageSource) src2 = skopos_image_reference_open_source (empty, NULL, NULL,
                                                                          &error);
  skopos_assert_no_error (error);
  g_autoptr (GBytes) manifest = NULL;
  g_autofree char *media_type = NULL;
  ck_assert (!skopos_image_source_get_manifest (src2, NULL, &manifest, &media_type, NULL, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);
  assert_message_contains (error, "manifest.json");

  g_clear_error (&error);
  g_autofree char *absent = skopos_digest_compute ("sha256", "absent", 6);
  g_autoptr (GBytes) blob = skopos_image_source_read_blob (src2, absent, -1, NULL, &error);
  ck_assert_ptr_null (blob);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);
}
END_TEST

START_TEST (test_dir_compress_option)
{
  g_autofree char *path = g_build_filename (tmpdir, "img", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposContext) ctx = skopos_context_new ();
  skopos_context_set_boolean (ctx, SKOPOS_CONTEXT_DIR_COMPRESS, TRUE);
  g_autoptr (SkoposImageReference) ref = parse_dir (path);
  g_autoptr (SkoposImageDestination) dest =
      skopos_image_reference_open_destination (ref, ctx, NULL, &error);
  skopos_assert_no_error (error);
  ck_assert_int_eq (skopos_image_destination_get_desired_layer_compression (dest),
                    SKOPOS_LAYER_COMPRESSION_COMPRESS);

  g_autoptr (SkoposContext) ctx2 = skopos_context_new ();
  skopos_context_set_boolean (ctx2, "dir-decompress", TRUE);
  g_autoptr (SkoposImageDestination) dest2 =
      skopos_image_reference_open_destination (ref, ctx2, NULL, &error);
  skopos_assert_no_error (error);
  ck_assert_int_eq (skopos_image_destination_get_desired_layer_compression (dest2),
                    SKOPOS_LAYER_COMPRESSION_DECOMPRESS);

  /* Both at once is a contradiction, refused before anything is written. */
  skopos_context_set_boolean (ctx2, SKOPOS_CONTEXT_DIR_COMPRESS, TRUE);
  g_autoptr (SkoposImageDestination) dest3 =
      skopos_image_reference_open_destination (ref, ctx2, NULL, &error);
  ck_assert_ptr_null (dest3);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_ARGUMENT);
}
END_TEST

static Suite *
dir_suite (void)
{
  Suite *s = suite_create ("Dir");

  TCase *tc = tcase_create ("dir");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_dir_reference_forms);
  tcase_add_test (tc, test_dir_write_then_read_back);
  tcase_add_test (tc, test_dir_instances_and_sha512);
  tcase_add_test (tc, test_dir_replaces_previous_image);
  tcase_add_test (tc, test_dir_reuses_checked_blobs_of_previous_image);
  tcase_add_test (tc, test_dir_refuses_other_folders);
  tcase_add_test (tc, test_dir_writes_into_empty_folder);
  tcase_add_test (tc, test_dir_abort_leaves_nothing);
  tcase_add_test (tc, test_dir_blob_mismatch_keeps_nothing);
  tcase_add_test (tc, test_dir_missing_source);
  tcase_add_test (tc, test_dir_compress_option);
  suite_add_tcase (s, tc);

  return s;
}

SKOPOS_TEST_MAIN (dir_suite)
