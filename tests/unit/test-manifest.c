/* test-manifest.c: media types, type detection, parsing and validation, digests,
 * serialisation and editing of manifests and manifest lists.
 *
 * Fixtures are in tests/data/manifests (see make-manifests.sh there): real documents
 * written by skopeo and umoci, a few written by hand, and digests.txt with the digest
 * `skopeo manifest-digest` gives for each, an oracle independent of skopos.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "manifest-fixtures.h"
#include "skopos-manifest-private.h"

static SkoposManifest *
parse_fixture (const char *name, const char *media_type)
{
  g_autoptr (GBytes) raw = load_fixture (name);
  g_autoptr (GError) error = NULL;
  SkoposManifest *m = skopos_manifest_parse (raw, media_type, &error);

  ck_assert_msg (m != NULL, "%s does not parse: %s", name, error ? error->message : "");
  return m;
}

static SkoposManifest *
parse_text (const char *text, const char *media_type)
{
  g_autoptr (GBytes) raw = bytes_of (text);
  g_autoptr (GError) error = NULL;
  SkoposManifest *m = skopos_manifest_parse (raw, media_type, &error);

  ck_assert_msg (m != NULL, "does not parse: %s\n%s", error ? error->message : "", text);
  return m;
}

static void
assert_bytes_eq (GBytes *actual, GBytes *expected, const char *what)
{
  g_autofree char *a = g_strndup (g_bytes_get_data (actual, NULL), g_bytes_get_size (actual));
  g_autofree char *e = g_strndup (g_bytes_get_data (expected, NULL),
                                  g_bytes_get_size (expected));
  ck_assert_msg (g_bytes_equal (actual, expected), "%s differs:\n got: %s\nwant: %s", what, a, e);
}

static const SkoposDescriptor *
layer (const SkoposManifest *m, guint i)
{
  ck_assert_uint_lt (i, m->layers->len);
  return m->layers->pdata[i];
}

static const SkoposDescriptor *
entry (const SkoposManifest *m, guint i)
{
  ck_assert_uint_lt (i, m->manifests->len);
  return m->manifests->pdata[i];
}

/* ---- media types ------------------------------------------------------------------- */

START_TEST (test_manifest_media_type_predicates)
{
  static const struct
  {
    const char *type;
    gboolean manifest, list;
  } cases[] = {
    { D_S1, TRUE, FALSE },
    { D_S1S, TRUE, FALSE },
    { D_S2, TRUE, FALSE },
    { D_L, TRUE, TRUE },
    { OCI_M, TRUE, FALSE },
    { OCI_I, TRUE, TRUE },
    { SKOPOS_MEDIA_TYPE_OCI_CONFIG, FALSE, FALSE },
    { SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP, FALSE, FALSE },
    { "application/json", FALSE, FALSE },
    { "", FALSE, FALSE },
    { NULL, FALSE, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ck_assert_msg (skopos_media_type_is_manifest (cases[i].type) == cases[i].manifest,
                     "is_manifest (%s)", cases[i].type);
      ck_assert_msg (skopos_media_type_is_list (cases[i].type) == cases[i].list, "is_list (%s)",
                     cases[i].type);
    }
}
END_TEST

START_TEST (test_manifest_media_type_compression)
{
  static const struct
  {
    const char *type;
    SkoposCompression compression;
    const char *as_none, *as_gzip, *as_zstd;
  } cases[] = {
    { SKOPOS_MEDIA_TYPE_DOCKER_LAYER, SKOPOS_COMPRESSION_NONE, SKOPOS_MEDIA_TYPE_DOCKER_LAYER,
      SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP, NULL },
    { SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP, SKOPOS_COMPRESSION_GZIP,
      SKOPOS_MEDIA_TYPE_DOCKER_LAYER, SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP, NULL },
    { SKOPOS_MEDIA_TYPE_DOCKER_LAYER_ZSTD, SKOPOS_COMPRESSION_ZSTD,
      SKOPOS_MEDIA_TYPE_DOCKER_LAYER, SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP, NULL },
    { SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER, SKOPOS_COMPRESSION_NONE,
      SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER, SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER_GZIP, NULL },
    { SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER_GZIP, SKOPOS_COMPRESSION_GZIP,
      SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER, SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER_GZIP, NULL },
    { SKOPOS_MEDIA_TYPE_OCI_LAYER, SKOPOS_COMPRESSION_NONE, SKOPOS_MEDIA_TYPE_OCI_LAYER,
      SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP, SKOPOS_MEDIA_TYPE_OCI_LAYER_ZSTD },
    { SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP, SKOPOS_COMPRESSION_GZIP, SKOPOS_MEDIA_TYPE_OCI_LAYER,
      SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP, SKOPOS_MEDIA_TYPE_OCI_LAYER_ZSTD },
    { SKOPOS_MEDIA_TYPE_OCI_LAYER_ZSTD, SKOPOS_COMPRESSION_ZSTD, SKOPOS_MEDIA_TYPE_OCI_LAYER,
      SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP, SKOPOS_MEDIA_TYPE_OCI_LAYER_ZSTD },
    { SKOPOS_MEDIA_TYPE_OCI_LAYER_ND, SKOPOS_COMPRESSION_NONE, SKOPOS_MEDIA_TYPE_OCI_LAYER_ND,
      SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_GZIP, SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_ZSTD },
    { SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_GZIP, SKOPOS_COMPRESSION_GZIP,
      SKOPOS_MEDIA_TYPE_OCI_LAYER_ND, SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_GZIP,
      SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_ZSTD },
    { SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_ZSTD, SKOPOS_COMPRESSION_ZSTD,
      SKOPOS_MEDIA_TYPE_OCI_LAYER_ND, SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_GZIP,
      SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_ZSTD },
    { "application/vnd.oci.image.layer.v1.tar+gzip+encrypted", SKOPOS_COMPRESSION_UNKNOWN, NULL,
      NULL, NULL },
    { SKOPOS_MEDIA_TYPE_OCI_CONFIG, SKOPOS_COMPRESSION_UNKNOWN, NULL, NULL, NULL },
    { "application/octet-stream", SKOPOS_COMPRESSION_UNKNOWN, NULL, NULL, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *none = skopos_media_type_with_compression (cases[i].type,
                                                                  SKOPOS_COMPRESSION_NONE);
      g_autofree char *gzip = skopos_media_type_with_compression (cases[i].type,
                                                                  SKOPOS_COMPRESSION_GZIP);
      g_autofree char *zstd = skopos_media_type_with_compression (cases[i].type,
                                                                  SKOPOS_COMPRESSION_ZSTD);
      g_autofree char *unknown = skopos_media_type_with_compression (cases[i].type,
                                                                     SKOPOS_COMPRESSION_UNKNOWN);

      ck_assert_int_eq (skopos_media_type_get_compression (cases[i].type), cases[i].compression);
      ck_assert_pstr_eq (none, cases[i].as_none);
      ck_assert_pstr_eq (gzip, cases[i].as_gzip);
      ck_assert_pstr_eq (zstd, cases[i].as_zstd);
      ck_assert_ptr_null (unknown);
    }
  ck_assert_int_eq (skopos_media_type_get_compression (NULL), SKOPOS_COMPRESSION_UNKNOWN);
  ck_assert_ptr_null (skopos_media_type_with_compression (NULL, SKOPOS_COMPRESSION_GZIP));
}
END_TEST

/* ---- guessing the type ------------------------------------------------------------- */

START_TEST (test_manifest_guess_media_type)
{
  static const struct
  {
    const char *doc;
    const char *expected;
  } cases[] = {
    { "{\"schemaVersion\":2,\"mediaType\":\"" D_S2 "\"}", D_S2 },
    { "{\"schemaVersion\":2,\"mediaType\":\"" D_L "\"}", D_L },
    { "{\"schemaVersion\":2,\"mediaType\":\"" OCI_M "\"}", OCI_M },
    { "{\"schemaVersion\":2,\"mediaType\":\"" OCI_I "\"}", OCI_I },
    /* schema 1 is told by schemaVersion, signed by the presence of signatures */
    { "{\"schemaVersion\":1,\"fsLayers\":[]}", D_S1 },
    { "{\"schemaVersion\":1,\"signatures\":[]}", D_S1S },
    { "{\"schemaVersion\":1,\"signatures\":null}", D_S1 },
    { "{\"schemaVersion\":1,\"mediaType\":\"" D_S1 "\",\"signatures\":[{}]}", D_S1S },
    /* no mediaType: the config type decides */
    { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" SKOPOS_MEDIA_TYPE_OCI_CONFIG "\"}}",
      OCI_M },
    { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" SKOPOS_MEDIA_TYPE_DOCKER_CONFIG "\"}}",
      D_S2 },
    { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/x-custom\"},\"layers\":[]}",
      OCI_M },
    { "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_M "\"}]}", OCI_I },
    { "{\"schemaVersion\":2,\"manifests\":[]}", OCI_I },
    { "{\"schemaVersion\":2}", OCI_M },
    /* an unknown mediaType is not trusted, the shape still is */
    { "{\"schemaVersion\":2,\"mediaType\":\"text/plain\",\"manifests\":[]}", OCI_I },
    /* cannot tell */
    { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\"},\"manifests\":[{}]}", NULL },
    { "{\"schemaVersion\":3}", NULL },
    { "{\"schemaVersion\":\"2\"}", NULL },
    { "{\"mediaType\":5,\"schemaVersion\":2}", NULL },
    { "{}", NULL },
    { "[]", NULL },
    { "not json", NULL },
    { "", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) raw = bytes_of (cases[i].doc);
      g_autofree char *guessed = skopos_manifest_guess_media_type (raw);
      ck_assert_msg (g_strcmp0 (guessed, cases[i].expected) == 0, "%s: guessed %s, want %s",
                     cases[i].doc, guessed, cases[i].expected);
    }
}
END_TEST

START_TEST (test_manifest_guess_fixtures)
{
  static const struct
  {
    const char *file, *type;
  } cases[] = {
    { "oci-sample.json", OCI_M },           { "oci-nomime.json", OCI_M },
    { "oci-artifact.json", OCI_M },         { "oci-index.json", OCI_I },
    { "oci-index-annotated.json", OCI_I },  { "v2s2-rich.json", D_S2 },
    { "v2list-variants.json", D_L },        { "v2s1-unsigned.json", D_S1 },
    { "v2s1-pretty-signed.json", D_S1S },   { "v2s1-signed.skopeo.json", D_S1S },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) raw = load_fixture (cases[i].file);
      g_autofree char *guessed = skopos_manifest_guess_media_type (raw);
      ck_assert_msg (g_strcmp0 (guessed, cases[i].type) == 0, "%s: guessed %s", cases[i].file,
                     guessed);

      /* Parsing without a type uses the guess. */
      g_autoptr (SkoposManifest) m = parse_fixture (cases[i].file, NULL);
      ck_assert_str_eq (m->media_type, cases[i].type);
    }
}
END_TEST

/* ---- parsing ------------------------------------------------------------------------ */

START_TEST (test_manifest_parse_oci_image)
{
  g_autoptr (GBytes) raw = load_fixture ("oci-layers.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposManifest) m = skopos_manifest_parse (raw, OCI_M, &error);

  skopos_assert_no_error (error);
  ck_assert_str_eq (m->media_type, OCI_M);
  ck_assert_int_eq (m->schema_version, 2);
  ck_assert (!m->is_list);
  ck_assert (!m->media_type_absent);
  ck_assert (m->raw == raw || g_bytes_equal (m->raw, raw));
  ck_assert_str_eq (m->config->media_type, SKOPOS_MEDIA_TYPE_OCI_CONFIG);
  ck_assert (skopos_digest_validate (m->config->digest, NULL));
  ck_assert_uint_eq (m->layers->len, 4);
  ck_assert_str_eq (layer (m, 0)->media_type, SKOPOS_MEDIA_TYPE_OCI_LAYER);
  ck_assert_int_eq (layer (m, 0)->size, 10240);
  ck_assert_str_eq (layer (m, 3)->media_type, SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_GZIP);
  ck_assert_str_eq (g_hash_table_lookup (layer (m, 1)->annotations, "org.example.note"),
                    "<gzip> & more");
  ck_assert_ptr_null (layer (m, 0)->annotations);
  ck_assert_str_eq (g_hash_table_lookup (m->annotations, "org.opencontainers.image.title"),
                    "layers");
  ck_assert_uint_eq (m->manifests->len, 0);
  ck_assert_ptr_null (m->subject);
  ck_assert_ptr_null (m->artifact_type);

  /* Without mediaType the document is still an OCI manifest, and remembers it. */
  g_autoptr (SkoposManifest) nomime = parse_fixture ("oci-nomime.json", OCI_M);
  ck_assert (nomime->media_type_absent);
  ck_assert_str_eq (nomime->media_type, OCI_M);
}
END_TEST

START_TEST (test_manifest_parse_oci_artifact)
{
  g_autoptr (SkoposManifest) m = parse_fixture ("oci-artifact.json", OCI_M);

  ck_assert_str_eq (m->artifact_type, "application/vnd.example.sbom.v1");
  ck_assert_str_eq (m->config->media_type, SKOPOS_MEDIA_TYPE_OCI_EMPTY);
  ck_assert_ptr_nonnull (m->config->data);
  ck_assert_uint_eq (g_bytes_get_size (m->config->data), 2);
  ck_assert (memcmp (g_bytes_get_data (m->config->data, NULL), "{}", 2) == 0);
  ck_assert_ptr_nonnull (m->subject);
  ck_assert_str_eq (m->subject->media_type, OCI_M);
  ck_assert_int_eq (m->subject->size, 573);
  ck_assert_str_eq (g_hash_table_lookup (m->annotations, "org.example.kind"), "a <b> & c");
}
END_TEST

START_TEST (test_manifest_parse_lists)
{
  g_autoptr (SkoposManifest) index = parse_fixture ("oci-index-annotated.json", OCI_I);
  ck_assert (index->is_list);
  ck_assert_uint_eq (index->manifests->len, 8);
  ck_assert_uint_eq (index->layers->len, 0);
  ck_assert_ptr_null (index->config);
  ck_assert_str_eq (entry (index, 0)->platform->architecture, "amd64");
  ck_assert_ptr_null (entry (index, 0)->platform->variant);
  ck_assert_str_eq (entry (index, 3)->platform->variant, "v7");
  ck_assert_str_eq (entry (index, 6)->platform->os_version, "10.0.17763.1879");
  ck_assert_str_eq (entry (index, 6)->platform->os_features[0], "win32k");
  ck_assert_ptr_null (entry (index, 7)->platform);
  ck_assert_str_eq (entry (index, 7)->artifact_type, "application/vnd.example.attestation");
  ck_assert_str_eq (entry (index, 7)->urls[0], "https://example.invalid/attestation");
  ck_assert_str_eq (index->subject->media_type, OCI_I);
  ck_assert_str_eq (g_hash_table_lookup (index->annotations, "com.example.z"), "last");

  g_autoptr (SkoposManifest) list = parse_fixture ("v2list-variants.json", D_L);
  ck_assert (list->is_list);
  ck_assert_uint_eq (list->manifests->len, 7);
  ck_assert_str_eq (entry (list, 1)->platform->variant, "v5");
  ck_assert_str_eq (entry (list, 5)->urls[0], "https://example.invalid/ppc");
  ck_assert_str_eq (entry (list, 6)->platform->features[0], "sse4");
  ck_assert_str_eq (entry (list, 6)->platform->os, "windows");
}
END_TEST

START_TEST (test_manifest_parse_docker_schema2)
{
  g_autoptr (SkoposManifest) m = parse_fixture ("v2s2-rich.json", D_S2);

  ck_assert_str_eq (m->config->media_type, SKOPOS_MEDIA_TYPE_DOCKER_CONFIG);
  ck_assert_uint_eq (m->layers->len, 4);
  ck_assert_str_eq (layer (m, 0)->media_type, SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP);
  ck_assert_str_eq (layer (m, 1)->media_type, SKOPOS_MEDIA_TYPE_DOCKER_LAYER);
  ck_assert_str_eq (layer (m, 2)->media_type, SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER);
  ck_assert_str_eq (layer (m, 3)->media_type, SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER_GZIP);
  ck_assert_int_eq (layer (m, 1)->size, 10240);
}
END_TEST

START_TEST (test_manifest_parse_schema1)
{
  g_autoptr (SkoposManifest) m = parse_fixture ("v2s1-unsigned.json", D_S1);

  ck_assert_int_eq (m->schema_version, 1);
  ck_assert_str_eq (m->schema1_name, "library/sample");
  ck_assert_str_eq (m->schema1_tag, "1.0");
  ck_assert_str_eq (m->schema1_architecture, "amd64");
  ck_assert_ptr_null (m->config);

  /* Four fsLayers, the top one listed twice in a row: three layers, base first. */
  ck_assert_uint_eq (m->layers->len, 3);
  ck_assert_uint_eq (m->schema1_history->len, 3);
  g_autofree char *a = skopos_digest_compute ("sha256", "layer-a", 7);
  g_autofree char *b = skopos_digest_compute ("sha256", "layer-b", 7);
  ck_assert_str_eq (layer (m, 0)->digest, a);
  ck_assert_str_eq (layer (m, 1)->digest, b);
  ck_assert_int_eq (layer (m, 0)->size, -1);
  ck_assert (strstr (m->schema1_history->pdata[0], "ADD file:a") != NULL);
  ck_assert (strstr (m->schema1_history->pdata[2], "CMD") != NULL);

  /* The signed forms parse too, with either schema 1 type. */
  g_autoptr (SkoposManifest) signed1 = parse_fixture ("v2s1-pretty-signed.json", D_S1S);
  ck_assert_uint_eq (signed1->layers->len, 3);
  g_autoptr (SkoposManifest) signed2 = parse_fixture ("v2s1-signed.skopeo.json", D_S1);
  ck_assert_str_eq (signed2->media_type, D_S1);
  ck_assert_uint_eq (signed2->layers->len, 3);
  g_autoptr (SkoposManifest) as_json = parse_fixture ("v2s1-signed.skopeo.json",
                                                      "application/json");
  ck_assert_str_eq (as_json->media_type, D_S1S);
}
END_TEST

#define CFG \
  "{\"mediaType\":\"" SKOPOS_MEDIA_TYPE_OCI_CONFIG "\",\"digest\":\"" DIG_A "\",\"size\":2}"
#define DCFG \
  "{\"mediaType\":\"" SKOPOS_MEDIA_TYPE_DOCKER_CONFIG "\",\"digest\":\"" DIG_A "\",\"size\":2}"
#define LAYER(mt) "{\"mediaType\":\"" mt "\",\"digest\":\"" DIG_B "\",\"size\":10}"
#define OCI_DOC(extra) \
  "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[" LAYER (SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP) \
  "]" extra "}"
#define ENTRY(extra) "{\"mediaType\":\"" OCI_M "\",\"digest\":\"" DIG_C "\",\"size\":5" extra "}"
#define V1C(id, parent) "{\"v1Compatibility\":\"{\\\"id\\\":\\\"" id "\\\"" parent "}\"}"
#define ID1 "1111111111111111111111111111111111111111111111111111111111111111"
#define ID2 "2222222222222222222222222222222222222222222222222222222222222222"
#define PARENT(id) ",\\\"parent\\\":\\\"" id "\\\""
#define FS "{\"blobSum\":\"" DIG_A "\"}"

START_TEST (test_manifest_parse_rejects_bad_documents)
{
  static const struct
  {
    const char *doc;
    const char *type;
    const char *message; /* a part of the expected message */
  } cases[] = {
    /* not JSON, or not an object */
    { "", OCI_M, "empty document" },
    { "{\"schemaVersion\":2,", OCI_M, "not valid JSON" },
    { "[1,2]", OCI_M, "not a JSON object" },
    { "\"text\"", NULL, "not a JSON object" },
    { "{}", NULL, "not a manifest type" },
    /* types */
    { OCI_DOC (""), "text/html", "unknown manifest media type \"text/html\"" },
    { OCI_DOC (""), SKOPOS_MEDIA_TYPE_OCI_CONFIG, "unknown manifest media type" },
    { OCI_DOC (",\"mediaType\":\"" D_S2 "\""), OCI_M, "contradicts" },
    { OCI_DOC (",\"mediaType\":\"" OCI_I "\""), OCI_M, "contradicts" },
    { OCI_DOC (",\"mediaType\":7"), OCI_M, "mediaType is not a string" },
    /* schemaVersion */
    { "{\"config\":" CFG ",\"layers\":[]}", OCI_M, "schemaVersion is missing" },
    { "{\"schemaVersion\":1,\"config\":" CFG ",\"layers\":[]}", OCI_M,
      "schemaVersion is 1, expected 2" },
    { "{\"schemaVersion\":\"2\",\"config\":" CFG ",\"layers\":[]}", OCI_M,
      "schemaVersion is not an integer" },
    { "{\"schemaVersion\":2.0,\"config\":" CFG ",\"layers\":[]}", OCI_M,
      "schemaVersion is not an integer" },
    /* config and layers */
    { "{\"schemaVersion\":2,\"layers\":[]}", OCI_M, "\"config\" is missing" },
    { "{\"schemaVersion\":2,\"config\":" CFG "}", OCI_M, "\"layers\" is missing" },
    { "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":{}}", OCI_M, "not an array" },
    { "{\"schemaVersion\":2,\"config\":[],\"layers\":[]}", OCI_M, "config is not an object" },
    { "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[5]}", OCI_M,
      "layers[0] is not an object" },
    /* descriptors */
    { "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DIG_A "\",\"size\":1},\"layers\":[]}",
      OCI_M, "config: mediaType is missing" },
    { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":1},\"layers\":[]}", OCI_M,
      "config: digest is missing" },
    { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:abc\",\"size\":1},"
      "\"layers\":[]}",
      OCI_M, "config: invalid digest 'sha256:abc'" },
    { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"md5:"
      "d41d8cd98f00b204e9800998ecf8427e\",\"size\":1},\"layers\":[]}",
      OCI_M, "unsupported algorithm" },
    { "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"x\",\"digest\":\""
      "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"size\":1}]}",
      OCI_M, "layers[0]: invalid digest" },
    { "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"x\",\"digest\":5,"
      "\"size\":1}]}",
      OCI_M, "layers[0]: digest is not a string" },
    { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" DIG_A "\"},"
      "\"layers\":[]}",
      OCI_M, "config: size is missing" },
    { "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"x\",\"digest\":\""
      DIG_A "\",\"size\":-5}]}",
      OCI_M, "layers[0]: size -5 is negative" },
    { "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"x\",\"digest\":\""
      DIG_A "\",\"size\":1.5}]}",
      OCI_M, "size is not an integer" },
    { "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"x\",\"digest\":\""
      DIG_A "\",\"size\":\"3\"}]}",
      OCI_M, "size is not an integer" },
    { OCI_DOC (",\"annotations\":{\"a\":1}"), OCI_M, "value of \"a\" is not a string" },
    { OCI_DOC (",\"annotations\":[]"), OCI_M, "\"annotations\" is not an object" },
    { OCI_DOC (",\"artifactType\":1"), OCI_M, "\"artifactType\" is not a string" },
    { OCI_DOC (",\"subject\":{\"mediaType\":\"x\"}"), OCI_M, "subject: digest is missing" },
    { "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"x\",\"digest\":\""
      DIG_A "\",\"size\":1,\"urls\":[1]}]}",
      OCI_M, "\"urls\"[0] is not a string" },
    { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" DIG_A "\",\"size\":1,"
      "\"data\":\"not base64!\"},\"layers\":[]}",
      OCI_M, "config: data is not valid base64" },
    /* ambiguous documents */
    { OCI_DOC (",\"manifests\":[]"), OCI_M, "ambiguous document, it also has \"manifests\"" },
    { "{\"schemaVersion\":2,\"manifests\":[],\"layers\":[],\"fsLayers\":[]}", OCI_I,
      "\"fsLayers\", \"layers\"" },
    /* indexes and lists */
    { "{\"schemaVersion\":2}", OCI_I, "\"manifests\" is missing" },
    { "{\"schemaVersion\":2,\"manifests\":[" ENTRY (",\"platform\":[]") "]}", OCI_I,
      "manifests[0]: platform is not an object" },
    { "{\"schemaVersion\":2,\"manifests\":[" ENTRY (",\"platform\":{\"os\":1}") "]}", OCI_I,
      "\"os\" is not a string" },
    { "{\"schemaVersion\":2,\"manifests\":[" ENTRY (
          ",\"platform\":{\"os\":\"linux\",\"os.features\":\"x\"}") "]}",
      OCI_I, "\"os.features\" is not an array" },
    { "{\"schemaVersion\":2,\"mediaType\":\"" D_L "\",\"manifests\":[" ENTRY (
          ",\"platform\":{\"features\":[true]}") "]}",
      D_L, "\"features\"[0] is not a string" },
    { "{\"schemaVersion\":2,\"mediaType\":\"" OCI_I "\",\"manifests\":[]}", D_L, "contradicts" },
    { "{\"schemaVersion\":1,\"manifests\":[]}", D_L, "schemaVersion is 1" },
    /* Docker schema 2 */
    { "{\"schemaVersion\":2,\"config\":" DCFG ",\"layers\":[]}", D_S2, "mediaType is missing" },
    { "{\"schemaVersion\":2,\"mediaType\":\"" D_S2 "\",\"config\":" DCFG ",\"layers\":["
      LAYER (SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP) "]}",
      D_S2, "layers[0]: unsupported layer media type" },
    { "{\"schemaVersion\":2,\"mediaType\":\"" D_S2 "\",\"config\":" DCFG ",\"layers\":["
      LAYER (SKOPOS_MEDIA_TYPE_DOCKER_LAYER_ZSTD) "]}",
      D_S2, "unsupported layer media type" },
    { "{\"schemaVersion\":2,\"mediaType\":\"" D_S2 "\",\"config\":" DCFG ",\"layers\":[],"
      "\"fsLayers\":[]}",
      D_S2, "ambiguous" },
    /* Docker schema 1 */
    { "{\"schemaVersion\":2,\"fsLayers\":[" FS "],\"history\":[" V1C (ID1, "") "]}", D_S1,
      "schemaVersion is 2, expected 1" },
    { "{\"schemaVersion\":1,\"history\":[]}", D_S1, "\"fsLayers\" is missing" },
    { "{\"schemaVersion\":1,\"fsLayers\":[]}", D_S1, "\"history\" is missing" },
    { "{\"schemaVersion\":1,\"fsLayers\":[],\"history\":[]}", D_S1, "no fsLayers" },
    { "{\"schemaVersion\":1,\"fsLayers\":[" FS "," FS "],\"history\":[" V1C (ID1, "") "]}", D_S1,
      "2 fsLayers but 1 history entries" },
    { "{\"schemaVersion\":1,\"fsLayers\":[{\"blobSum\":\"sha256:x\"}],\"history\":["
      V1C (ID1, "") "]}",
      D_S1, "fsLayers[0]: invalid digest" },
    { "{\"schemaVersion\":1,\"fsLayers\":[" FS "],\"history\":[{\"v1Compatibility\":\"{\"}]}",
      D_S1, "history[0]: v1Compatibility is not a JSON object" },
    { "{\"schemaVersion\":1,\"fsLayers\":[" FS "],\"history\":[" V1C ("abc", "") "]}", D_S1,
      "invalid image ID \"abc\"" },
    { "{\"schemaVersion\":1,\"fsLayers\":[" FS "],\"history\":[" V1C (ID1, PARENT (ID2)) "]}",
      D_S1, "the base layer has a parent ID" },
    { "{\"schemaVersion\":1,\"fsLayers\":[" FS "," FS "],\"history\":[" V1C (ID1, PARENT (ID1))
      "," V1C (ID2, "") "]}",
      D_S1, "parent ID \"" ID1 "\" is not " ID2 },
    { "{\"schemaVersion\":1,\"fsLayers\":[" FS "," FS "," FS "],\"history\":["
      V1C (ID1, PARENT (ID2)) "," V1C (ID2, PARENT (ID1)) "," V1C (ID1, "") "]}",
      D_S1, "appears more than once" },
    { "{\"schemaVersion\":1,\"mediaType\":\"" OCI_M "\",\"fsLayers\":[" FS "],\"history\":["
      V1C (ID1, "") "]}",
      D_S1, "mediaType contradicts" },
    { "{\"schemaVersion\":1,\"fsLayers\":[" FS "],\"history\":[" V1C (ID1, "") "],\"layers\":[]}",
      D_S1S, "ambiguous" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) raw = bytes_of (cases[i].doc);
      g_autoptr (GError) error = NULL;
      g_autoptr (SkoposManifest) m = skopos_manifest_parse (raw, cases[i].type, &error);

      ck_assert_msg (m == NULL, "case %zu accepted: %s", i, cases[i].doc);
      skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_MANIFEST);
      ck_assert_msg (strstr (error->message, cases[i].message) != NULL,
                     "case %zu: message \"%s\" lacks \"%s\"", i, error->message, cases[i].message);
      ck_assert_msg (strchr (error->message, '\n') == NULL, "multi-line message: %s",
                     error->message);
    }
}
END_TEST

START_TEST (test_manifest_parse_accepts_lenient_forms)
{
  /* null counts as absent; unknown fields are ignored; sha512 digests are fine; an
   * index and a Docker list entry may have no platform. */
  g_autoptr (SkoposManifest) a = parse_text (
      "{\"schemaVersion\":2,\"mediaType\":null,\"config\":" CFG ",\"layers\":[],"
      "\"annotations\":null,\"x-extra\":{\"y\":[1,2]},\"manifests\":null}",
      OCI_M);
  ck_assert_ptr_null (a->annotations);
  ck_assert_uint_eq (a->layers->len, 0);

  g_autoptr (SkoposManifest) b = parse_text (
      "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"x\",\"digest\":"
      "\"sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0"
      "ff8318d2877eec2f63b931bd47417a81a538327af927da3e\",\"size\":0}]}",
      OCI_M);
  ck_assert (g_str_has_prefix (layer (b, 0)->digest, "sha512:"));

  g_autoptr (SkoposManifest) c = parse_text (
      "{\"schemaVersion\":2,\"manifests\":[" ENTRY ("") "]}", D_L);
  ck_assert_ptr_null (entry (c, 0)->platform);

  g_autoptr (SkoposManifest) d = parse_text (
      "{\"schemaVersion\":2,\"manifests\":[" ENTRY (",\"platform\":{}") "]}", OCI_I);
  ck_assert_str_eq (entry (d, 0)->platform->os, "");
  ck_assert_str_eq (entry (d, 0)->platform->architecture, "");

  /* Docker descriptors ignore OCI-only fields. */
  g_autoptr (SkoposManifest) e = parse_text (
      "{\"schemaVersion\":2,\"mediaType\":\"" D_S2 "\",\"config\":{\"mediaType\":\""
      SKOPOS_MEDIA_TYPE_DOCKER_CONFIG "\",\"digest\":\"" DIG_A "\",\"size\":2,"
      "\"annotations\":{\"a\":\"b\"},\"data\":\"!!\"},\"layers\":[]}",
      D_S2);
  ck_assert_ptr_null (e->config->annotations);
  ck_assert_ptr_null (e->config->data);
}
END_TEST

/* ---- digests ------------------------------------------------------------------------- */

START_TEST (test_manifest_digest_matches_skopeo)
{
  g_autoptr (GBytes) table = load_fixture ("digests.txt");
  g_autofree char *text = g_strndup (g_bytes_get_data (table, NULL), g_bytes_get_size (table));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint checked = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit (lines[i], " ", 2);
      if (fields[0] == NULL || fields[1] == NULL)
        continue;

      g_autoptr (GBytes) raw = load_fixture (fields[0]);
      g_autoptr (GError) error = NULL;
      g_autofree char *digest = skopos_manifest_digest (raw, &error);
      skopos_assert_no_error (error);
      ck_assert_msg (g_strcmp0 (digest, fields[1]) == 0, "%s: %s, skopeo says %s", fields[0],
                     digest, fields[1]);
      ck_assert (skopos_manifest_matches_digest (raw, fields[1]));
      checked++;
    }
  ck_assert_uint_ge (checked, 25);
}
END_TEST

START_TEST (test_manifest_digest_signed_schema1)
{
  g_autoptr (GBytes) unsigned_raw = load_fixture ("v2s1-unsigned.json");
  g_autoptr (GBytes) signed_raw = load_fixture ("v2s1-pretty-signed.json");
  g_autofree char *plain = skopos_digest_compute_bytes ("sha256", unsigned_raw);
  g_autofree char *of_bytes = skopos_digest_compute_bytes ("sha256", signed_raw);
  g_autofree char *d = skopos_manifest_digest (signed_raw, NULL);

  /* The signed document's digest is that of the payload: the unsigned document. */
  ck_assert_str_eq (d, plain);
  ck_assert_str_ne (d, of_bytes);
  ck_assert (!skopos_manifest_matches_digest (signed_raw, of_bytes));

  g_autofree char *d512 = skopos_manifest_digest_with_algorithm (signed_raw, "sha512", NULL);
  g_autofree char *plain512 = skopos_digest_compute_bytes ("sha512", unsigned_raw);
  ck_assert_str_eq (d512, plain512);
  ck_assert (skopos_manifest_matches_digest (signed_raw, plain512));
}
END_TEST

static char *
b64url (const char *text)
{
  g_autofree char *b = g_base64_encode ((const guchar *) text, strlen (text));
  g_strdelimit (b, "+", '-');
  g_strdelimit (b, "/", '_');
  char *eq = strchr (b, '=');
  if (eq != NULL)
    *eq = '\0';
  return g_strdup (b);
}

/* A signed schema 1 document: "{...,\"signatures\":[<sigs>]}" where each signature
 * has the given protected header. */
static GBytes *
signed_doc (const char *const *headers)
{
  g_autoptr (GString) doc = g_string_new (
      "{\"schemaVersion\":1,\"fsLayers\":[" FS "],\"history\":[" V1C (ID1, "") "]");
  g_string_append (doc, ",\"signatures\":[");
  for (guint i = 0; headers[i] != NULL; i++)
    {
      g_autofree char *p = b64url (headers[i]);
      g_string_append_printf (doc, "%s{\"signature\":\"x\",\"protected\":\"%s\"}", i ? "," : "",
                              p);
    }
  g_string_append (doc, "]}");
  return g_string_free_to_bytes (g_steal_pointer (&doc));
}

START_TEST (test_manifest_digest_signed_payload_rules)
{
  /* formatLength 5 + tail "}" is the payload "{\"sch}" */
  g_autofree char *tail = b64url ("}");
  g_autofree char *h1 = g_strdup_printf ("{\"formatLength\":5,\"formatTail\":\"%s\"}", tail);
  g_autofree char *h1f = g_strdup_printf ("{\"formatLength\":5.0,\"formatTail\":\"%s\"}", tail);
  g_autofree char *h2 = g_strdup_printf ("{\"formatLength\":6,\"formatTail\":\"%s\"}", tail);
  g_autofree char *hbig = g_strdup_printf ("{\"formatLength\":99999,\"formatTail\":\"%s\"}", tail);
  g_autofree char *hneg = g_strdup_printf ("{\"formatLength\":-1,\"formatTail\":\"%s\"}", tail);
  g_autofree char *want = skopos_digest_compute ("sha256", "{\"sch}", 6);

  const char *good[] = { h1, NULL };
  const char *good_twice[] = { h1, h1f, NULL };
  g_autoptr (GBytes) g1 = signed_doc (good);
  g_autoptr (GBytes) g2 = signed_doc (good_twice);
  g_autofree char *d1 = skopos_manifest_digest (g1, NULL);
  g_autofree char *d2 = skopos_manifest_digest (g2, NULL);
  ck_assert_str_eq (d1, want);
  ck_assert_str_eq (d2, want);

  const char *disagree[] = { h1, h2, NULL };
  const char *too_long[] = { hbig, NULL };
  const char *negative[] = { hneg, NULL };
  const char *no_length[] = { "{\"formatTail\":\"fQ\"}", NULL };
  const char *no_tail[] = { "{\"formatLength\":3}", NULL };
  const char *bad_tail[] = { "{\"formatLength\":3,\"formatTail\":\"f=Q\"}", NULL };
  const char *not_json[] = { "nope", NULL };
  const char *none[] = { NULL };
  const char *const *bad[] = { disagree, too_long, negative, no_length, no_tail, bad_tail,
                               not_json, none };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GBytes) raw = signed_doc (bad[i]);
      g_autoptr (GError) error = NULL;
      g_autofree char *d = skopos_manifest_digest (raw, &error);
      ck_assert_msg (d == NULL, "case %zu gave a digest", i);
      skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_MANIFEST);
      ck_assert (!skopos_manifest_matches_digest (raw, want));
    }

  /* A protected header that is not base64url at all. */
  g_autoptr (GBytes) junk
      = bytes_of ("{\"schemaVersion\":1,\"signatures\":[{\"protected\":\"+/\"}]}");
  g_autoptr (GError) error = NULL;
  g_autofree char *dj = skopos_manifest_digest (junk, &error);
  ck_assert_ptr_null (dj);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_MANIFEST);
}
END_TEST

START_TEST (test_manifest_digest_algorithms)
{
  g_autoptr (GBytes) raw = load_fixture ("oci-sample.json");
  g_autofree char *d256 = skopos_manifest_digest (raw, NULL);
  g_autofree char *d512 = skopos_manifest_digest_with_algorithm (raw, "sha512", NULL);
  g_autofree char *bytes512 = skopos_digest_compute_bytes ("sha512", raw);

  ck_assert (g_str_has_prefix (d256, "sha256:"));
  ck_assert_str_eq (d512, bytes512);
  ck_assert (skopos_manifest_matches_digest (raw, d256));
  ck_assert (skopos_manifest_matches_digest (raw, d512));

  /* A different document, a malformed or unsupported digest: no match. */
  g_autoptr (GBytes) other = bytes_of ("{}");
  ck_assert (!skopos_manifest_matches_digest (other, d256));
  ck_assert (!skopos_manifest_matches_digest (other, d512));
  ck_assert (!skopos_manifest_matches_digest (raw, "sha256:abc"));
  ck_assert (!skopos_manifest_matches_digest (raw, "md5:d41d8cd98f00b204e9800998ecf8427e"));
  ck_assert (!skopos_manifest_matches_digest (raw, NULL));
  g_autofree char *upper = g_ascii_strup (d256, -1);
  ck_assert (!skopos_manifest_matches_digest (raw, upper));

  g_autoptr (GError) error = NULL;
  g_autofree char *bad = skopos_manifest_digest_with_algorithm (raw, "md5", &error);
  ck_assert_ptr_null (bad);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_ARGUMENT);

  /* Anything that is not JSON is hashed as bytes. */
  g_autoptr (GBytes) junk = bytes_of ("not json");
  g_autofree char *dj = skopos_manifest_digest (junk, NULL);
  g_autofree char *bj = skopos_digest_compute_bytes ("sha256", junk);
  ck_assert_str_eq (dj, bj);
}
END_TEST

/* ---- serialising ------------------------------------------------------------------------ */

START_TEST (test_manifest_serialize_round_trip)
{
  /* Documents Go wrote (skopeo, umoci) or written in Go's form: parse and serialise
   * gives back the same bytes (umoci writes with json.Encoder, which adds a newline
   * that json.Marshal, and so skopos, does not). */
  static const char *const files[] = {
    "oci-sample.json",
    "oci-sample.v2s2.skopeo.json",
    "oci-layers.v2s2.skopeo.json",
    "oci-index.json",
    "oci-index.amd64.json",
    "oci-index.v2list.skopeo.json",
    "oci-index.amd64.v2s2.skopeo.json",
    "v2list.oci-index.skopeo.json",
    "v2list.arm64.oci.skopeo.json",
    "v2s2-rich.oci.skopeo.json",
    "oci-artifact.json",
    "oci-index-annotated.json",
    "v2list-variants.json",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr (GBytes) file = load_fixture (files[i]);
      gsize len = g_bytes_get_size (file);
      const char *data = g_bytes_get_data (file, NULL);
      g_autoptr (GBytes) raw
          = g_bytes_new_from_bytes (file, 0, data[len - 1] == '\n' ? len - 1 : len);
      g_autoptr (SkoposManifest) m = parse_fixture (files[i], NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) out = skopos_manifest_serialize (m, &error);

      skopos_assert_no_error (error);
      assert_bytes_eq (out, raw, files[i]);

      /* A copy serialises the same. */
      g_autoptr (SkoposManifest) copy = skopos_manifest_copy (m, FALSE);
      ck_assert_ptr_null (copy->raw);
      g_autoptr (GBytes) out2 = skopos_manifest_serialize (copy, NULL);
      assert_bytes_eq (out2, raw, files[i]);
    }
}
END_TEST

START_TEST (test_manifest_serialize_go_escaping)
{
  static const struct
  {
    const char *in, *out;
  } cases[] = {
    { "plain", "\"plain\"" },
    { "", "\"\"" },
    { "<a href=\"x\">&</a>", "\"\\u003ca href=\\\"x\\\"\\u003e\\u0026\\u003c/a\\u003e\"" },
    { "back\\slash", "\"back\\\\slash\"" },
    { "tab\tnl\ncr\r", "\"tab\\tnl\\ncr\\r\"" },
    { "\x01\x08\x0c\x1f", "\"\\u0001\\u0008\\u000c\\u001f\"" },
    { "del\x7f", "\"del\x7f\"" },
    { "été ☃", "\"été ☃\"" },
    { "line\xe2\x80\xa8para\xe2\x80\xa9", "\"line\\u2028para\\u2029\"" },
    { "bad\xff", "\"bad\\ufffd\"" },
    { "cut\xe2\x82", "\"cut\\ufffd\\ufffd\"" },
    { "surrogate\xed\xa0\x80", "\"surrogate\\ufffd\\ufffd\\ufffd\"" },
    { "slash/", "\"slash/\"" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GString) out = g_string_new (NULL);
      _skopos_json_append_string (out, cases[i].in);
      ck_assert_str_eq (out->str, cases[i].out);
    }

  g_autoptr (GString) null_string = g_string_new (NULL);
  _skopos_json_append_string (null_string, NULL);
  ck_assert_str_eq (null_string->str, "\"\"");

  g_autofree char *q = _skopos_go_quote ("a\"b\\c\n\x01");
  ck_assert_str_eq (q, "\"a\\\"b\\\\c\\n\\x01\"");
}
END_TEST

START_TEST (test_manifest_serialize_field_rules)
{
  /* A built OCI manifest: empty optional fields are left out, annotations sorted,
   * data in base64, a NULL media type written as "". */
  g_autoptr (SkoposManifest) m = parse_text (OCI_DOC (",\"mediaType\":\"" OCI_M "\""), OCI_M);
  g_autoptr (SkoposDescriptor) l = skopos_descriptor_new (NULL, DIG_C, 0);
  l->urls = g_new0 (char *, 1);
  l->annotations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  l->data = g_bytes_new_static ("hi", 2);
  l->artifact_type = g_strdup ("");
  skopos_manifest_set_layer (m, 0, l);
  m->annotations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (m->annotations, g_strdup ("b"), g_strdup ("2"));
  g_hash_table_insert (m->annotations, g_strdup ("a"), g_strdup ("<1>"));
  g_hash_table_insert (m->annotations, g_strdup ("B"), g_strdup ("0"));

  g_autoptr (GBytes) out = skopos_manifest_serialize (m, NULL);
  g_autoptr (GBytes) want = bytes_of (
      "{\"schemaVersion\":2,\"mediaType\":\"" OCI_M "\",\"config\":" CFG ",\"layers\":[{"
      "\"mediaType\":\"\",\"digest\":\"" DIG_C "\",\"size\":0,\"data\":\"aGk=\"}],"
      "\"annotations\":{\"B\":\"0\",\"a\":\"\\u003c1\\u003e\",\"b\":\"2\"}}");
  assert_bytes_eq (out, want, "built OCI manifest");

  /* media_type_absent leaves mediaType out, as for the document it came from. */
  g_autoptr (SkoposManifest) nomime = parse_text (OCI_DOC (""), NULL);
  ck_assert (nomime->media_type_absent);
  g_autoptr (GBytes) out2 = skopos_manifest_serialize (nomime, NULL);
  g_autoptr (GBytes) want2 = bytes_of (OCI_DOC (""));
  assert_bytes_eq (out2, want2, "OCI manifest without mediaType");

  /* A Docker list entry always has a platform, empty when unknown. */
  g_autoptr (SkoposManifest) list = parse_text (
      "{\"schemaVersion\":2,\"mediaType\":\"" D_L "\",\"manifests\":[{\"mediaType\":\"" D_S2
      "\",\"digest\":\"" DIG_A "\",\"size\":7,\"annotations\":{\"x\":\"y\"}}]}",
      D_L);
  g_autoptr (GBytes) out3 = skopos_manifest_serialize (list, NULL);
  g_autoptr (GBytes) want3 = bytes_of (
      "{\"schemaVersion\":2,\"mediaType\":\"" D_L "\",\"manifests\":[{\"mediaType\":\"" D_S2
      "\",\"size\":7,\"digest\":\"" DIG_A "\",\"platform\":{\"architecture\":\"\",\"os\":\"\"}}]}");
  assert_bytes_eq (out3, want3, "Docker list entry without platform");

  /* An index without mediaType gets one (containers/image presets it). */
  g_autoptr (SkoposManifest) index = parse_text ("{\"schemaVersion\":2,\"manifests\":[]}", OCI_I);
  g_autoptr (GBytes) out4 = skopos_manifest_serialize (index, NULL);
  g_autoptr (GBytes) want4 = bytes_of (
      "{\"schemaVersion\":2,\"mediaType\":\"" OCI_I "\",\"manifests\":[]}");
  assert_bytes_eq (out4, want4, "index without mediaType");
}
END_TEST

START_TEST (test_manifest_serialize_refuses)
{
  g_autoptr (SkoposManifest) s1 = parse_fixture ("v2s1-unsigned.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) out = skopos_manifest_serialize (s1, &error);
  ck_assert_ptr_null (out);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_SUPPORTED);
  ck_assert (strstr (error->message, "not supported") != NULL);

  g_autoptr (SkoposManifest) m = parse_text (OCI_DOC (""), OCI_M);
  g_clear_pointer (&m->config, skopos_descriptor_free);
  g_autoptr (GError) error2 = NULL;
  g_autoptr (GBytes) out2 = skopos_manifest_serialize (m, &error2);
  ck_assert_ptr_null (out2);
  skopos_assert_error (error2, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_ARGUMENT);

  g_free (m->media_type);
  m->media_type = g_strdup ("text/plain");
  g_autoptr (GError) error3 = NULL;
  g_autoptr (GBytes) out3 = skopos_manifest_serialize (m, &error3);
  ck_assert_ptr_null (out3);
  skopos_assert_error (error3, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_ARGUMENT);
}
END_TEST

/* ---- editing -------------------------------------------------------------------------- */

START_TEST (test_manifest_edit_layers_and_config)
{
  g_autoptr (SkoposManifest) m = parse_fixture ("oci-sample.json", OCI_M);
  g_autoptr (SkoposManifest) copy = skopos_manifest_copy (m, TRUE);
  ck_assert_ptr_nonnull (copy->raw);

  g_autoptr (SkoposDescriptor) l = skopos_descriptor_new (SKOPOS_MEDIA_TYPE_OCI_LAYER_ZSTD,
                                                          DIG_C, 42);
  skopos_manifest_set_layer (copy, 1, l);
  ck_assert_ptr_null (copy->raw);
  ck_assert_str_eq (layer (copy, 1)->digest, DIG_C);
  ck_assert_ptr_ne (copy->layers->pdata[1], l);
  /* The original is untouched. */
  ck_assert_str_ne (layer (m, 1)->digest, DIG_C);
  ck_assert_ptr_nonnull (m->raw);

  g_autoptr (SkoposDescriptor) c = skopos_descriptor_new (SKOPOS_MEDIA_TYPE_OCI_CONFIG, DIG_B, 9);
  skopos_manifest_set_config (m, c);
  ck_assert_ptr_null (m->raw);
  ck_assert_str_eq (m->config->digest, DIG_B);
  ck_assert_int_eq (m->config->size, 9);

  /* Descriptor copies are deep. */
  g_autoptr (SkoposManifest) index = parse_fixture ("oci-index-annotated.json", OCI_I);
  g_autoptr (SkoposDescriptor) dup = skopos_descriptor_copy (entry (index, 7));
  ck_assert_ptr_ne (dup->urls, entry (index, 7)->urls);
  ck_assert_str_eq (dup->urls[0], "https://example.invalid/attestation");
  ck_assert_str_eq (g_hash_table_lookup (dup->annotations, "vnd.docker.reference.type"),
                    "attestation-manifest");
  ck_assert_str_eq (dup->artifact_type, "application/vnd.example.attestation");
  g_autoptr (SkoposDescriptor) dup2 = skopos_descriptor_copy (entry (index, 6));
  ck_assert_str_eq (dup2->platform->os_features[0], "win32k");
  ck_assert_ptr_null (skopos_descriptor_copy (NULL));
}
END_TEST

START_TEST (test_manifest_list_update_instance)
{
  g_autoptr (SkoposManifest) list = parse_fixture ("v2list-variants.json", D_L);
  const char *old = entry (list, 2)->digest;
  g_autofree char *old_copy = g_strdup (old);
  g_autoptr (GError) error = NULL;

  ck_assert (skopos_manifest_list_update_instance (list, old_copy, DIG_A, 77, OCI_M, &error));
  skopos_assert_no_error (error);
  ck_assert_str_eq (entry (list, 2)->digest, DIG_A);
  ck_assert_int_eq (entry (list, 2)->size, 77);
  ck_assert_str_eq (entry (list, 2)->media_type, OCI_M);
  ck_assert_str_eq (entry (list, 2)->platform->variant, "v7");
  ck_assert_ptr_null (list->raw);

  static const struct
  {
    const char *old_digest, *new_digest;
    gint64 size;
    const char *type;
    SkoposErrorEnum code;
  } bad[] = {
    { DIG_B, DIG_C, 1, OCI_M, SKOPOS_ERROR_NOT_FOUND },
    { DIG_A, "sha256:nope", 1, OCI_M, SKOPOS_ERROR_INVALID_ARGUMENT },
    { DIG_A, DIG_C, -1, OCI_M, SKOPOS_ERROR_INVALID_ARGUMENT },
    { DIG_A, DIG_C, 1, "", SKOPOS_ERROR_INVALID_ARGUMENT },
    { DIG_A, DIG_C, 1, NULL, SKOPOS_ERROR_INVALID_ARGUMENT },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      ck_assert (!skopos_manifest_list_update_instance (list, bad[i].old_digest,
                                                        bad[i].new_digest, bad[i].size,
                                                        bad[i].type, &e));
      skopos_assert_error (e, SKOPOS_ERROR, bad[i].code);
    }
  ck_assert_str_eq (entry (list, 2)->digest, DIG_A);

  g_autoptr (SkoposManifest) image = parse_fixture ("oci-sample.json", OCI_M);
  g_autoptr (GError) e2 = NULL;
  ck_assert (!skopos_manifest_list_update_instance (image, DIG_A, DIG_B, 1, OCI_M, &e2));
  skopos_assert_error (e2, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_ARGUMENT);
}
END_TEST

static Suite *
manifest_suite (void)
{
  Suite *s = suite_create ("Manifest");
  TCase *tc;

  tc = tcase_create ("media-types");
  tcase_add_test (tc, test_manifest_media_type_predicates);
  tcase_add_test (tc, test_manifest_media_type_compression);
  suite_add_tcase (s, tc);

  tc = tcase_create ("guess");
  tcase_add_test (tc, test_manifest_guess_media_type);
  tcase_add_test (tc, test_manifest_guess_fixtures);
  suite_add_tcase (s, tc);

  tc = tcase_create ("parse");
  tcase_add_test (tc, test_manifest_parse_oci_image);
  tcase_add_test (tc, test_manifest_parse_oci_artifact);
  tcase_add_test (tc, test_manifest_parse_lists);
  tcase_add_test (tc, test_manifest_parse_docker_schema2);
  tcase_add_test (tc, test_manifest_parse_schema1);
  tcase_add_test (tc, test_manifest_parse_rejects_bad_documents);
  tcase_add_test (tc, test_manifest_parse_accepts_lenient_forms);
  suite_add_tcase (s, tc);

  tc = tcase_create ("digest");
  tcase_add_test (tc, test_manifest_digest_matches_skopeo);
  tcase_add_test (tc, test_manifest_digest_signed_schema1);
  tcase_add_test (tc, test_manifest_digest_signed_payload_rules);
  tcase_add_test (tc, test_manifest_digest_algorithms);
  suite_add_tcase (s, tc);

  tc = tcase_create ("serialize");
  tcase_add_test (tc, test_manifest_serialize_round_trip);
  tcase_add_test (tc, test_manifest_serialize_go_escaping);
  tcase_add_test (tc, test_manifest_serialize_field_rules);
  tcase_add_test (tc, test_manifest_serialize_refuses);
  suite_add_tcase (s, tc);

  tc = tcase_create ("edit");
  tcase_add_test (tc, test_manifest_edit_layers_and_config);
  tcase_add_test (tc, test_manifest_list_update_instance);
  suite_add_tcase (s, tc);

  return s;
}

SKOPOS_TEST_MAIN (manifest_suite)
