/* test-manifest-convert.c: conversions between Docker schema 2 and OCI, compared byte
 * for byte with what skopeo wrote for the same input (tests/data/manifests, made by
 * make-manifests.sh), the refusals, and the Docker → OCI config rewrite.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "manifest-fixtures.h"
#include "skopos-manifest-private.h"

static SkoposManifest *
parse_bytes (GBytes *raw, const char *media_type)
{
  g_autoptr (GError) error = NULL;
  SkoposManifest *m = skopos_manifest_parse (raw, media_type, &error);

  ck_assert_msg (m != NULL, "does not parse: %s", error ? error->message : "");
  return m;
}

static SkoposManifest *
parse_fixture (const char *name)
{
  g_autoptr (GBytes) raw = load_fixture (name);
  return parse_bytes (raw, NULL);
}

static void
assert_bytes_eq (GBytes *actual, GBytes *expected, const char *what)
{
  g_autofree char *a = g_strndup (g_bytes_get_data (actual, NULL), g_bytes_get_size (actual));
  g_autofree char *e = g_strndup (g_bytes_get_data (expected, NULL),
                                  g_bytes_get_size (expected));
  ck_assert_msg (g_bytes_equal (actual, expected), "%s differs:\n got: %s\nwant: %s", what, a, e);
}

static GBytes *
serialize (const SkoposManifest *m)
{
  g_autoptr (GError) error = NULL;
  GBytes *out = skopos_manifest_serialize (m, &error);

  skopos_assert_no_error (error);
  return out;
}

static SkoposManifest *
convert (const SkoposManifest *m, const char *type)
{
  g_autoptr (GError) error = NULL;
  SkoposManifest *out = skopos_manifest_convert (m, type, &error);

  skopos_assert_no_error (error);
  ck_assert_ptr_null (out->raw);
  ck_assert_str_eq (out->media_type, type);
  return out;
}

/* ---- against skopeo ------------------------------------------------------------------ */

START_TEST (test_manifest_convert_oci_to_v2s2_like_skopeo)
{
  static const struct
  {
    const char *input, *skopeo;
  } cases[] = {
    /* umoci's image, with a manifest annotation */
    { "oci-sample.json", "oci-sample.v2s2.skopeo.json" },
    /* uncompressed, gzip, non-distributable layers, layer and manifest annotations */
    { "oci-layers.json", "oci-layers.v2s2.skopeo.json" },
    /* no mediaType field */
    { "oci-nomime.json", "oci-nomime.v2s2.skopeo.json" },
    { "oci-index.amd64.json", "oci-index.amd64.v2s2.skopeo.json" },
    { "oci-index.arm64.json", "oci-index.arm64.v2s2.skopeo.json" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (SkoposManifest) src = parse_fixture (cases[i].input);
      g_autoptr (SkoposManifest) out = convert (src, D_S2);
      g_autoptr (GBytes) bytes = serialize (out);
      g_autoptr (GBytes) want = load_fixture (cases[i].skopeo);
      assert_bytes_eq (bytes, want, cases[i].input);

      /* The config blob is kept: same digest, Docker media type. */
      ck_assert_str_eq (out->config->digest, src->config->digest);
      ck_assert_str_eq (out->config->media_type, SKOPOS_MEDIA_TYPE_DOCKER_CONFIG);

      /* convert_with_config has nothing to rewrite in this direction. */
      g_autoptr (GBytes) new_config = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (SkoposManifest) out2 = skopos_manifest_convert_with_config (src, D_S2, NULL,
                                                                            &new_config, &error);
      skopos_assert_no_error (error);
      ck_assert_ptr_null (new_config);
      g_autoptr (GBytes) bytes2 = serialize (out2);
      assert_bytes_eq (bytes2, want, cases[i].input);
    }
}
END_TEST

START_TEST (test_manifest_convert_v2s2_to_oci_like_skopeo)
{
  static const struct
  {
    const char *input, *config, *skopeo, *skopeo_config;
  } cases[] = {
    /* a config with every field Docker writes, escapes, times with offsets */
    { "v2s2-rich.json", "v2s2-rich.config.json", "v2s2-rich.oci.skopeo.json",
      "v2s2-rich.oci-config.skopeo.json" },
    /* the children of the converted sample index, converted back */
    { "oci-index.amd64.v2s2.skopeo.json", "oci-index.amd64.v2s2.config.json",
      "v2list.amd64.oci.skopeo.json", "v2list.amd64.oci-config.skopeo.json" },
    { "oci-index.arm64.v2s2.skopeo.json", "oci-index.arm64.v2s2.config.json",
      "v2list.arm64.oci.skopeo.json", "v2list.arm64.oci-config.skopeo.json" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (SkoposManifest) src = parse_fixture (cases[i].input);
      g_autoptr (GBytes) config = load_fixture (cases[i].config);
      g_autoptr (GBytes) new_config = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (SkoposManifest) out = skopos_manifest_convert_with_config (src, OCI_M, config,
                                                                           &new_config, &error);
      skopos_assert_no_error (error);
      ck_assert_ptr_nonnull (new_config);

      g_autoptr (GBytes) want_config = load_fixture (cases[i].skopeo_config);
      assert_bytes_eq (new_config, want_config, cases[i].config);

      g_autoptr (GBytes) bytes = serialize (out);
      g_autoptr (GBytes) want = load_fixture (cases[i].skopeo);
      assert_bytes_eq (bytes, want, cases[i].input);

      /* Plain convert() does the manifest part and keeps the old config digest. */
      g_autoptr (SkoposManifest) plain = convert (src, OCI_M);
      ck_assert_str_eq (plain->config->digest, src->config->digest);
      ck_assert_str_eq (plain->config->media_type, SKOPOS_MEDIA_TYPE_OCI_CONFIG);
      ck_assert_uint_eq (plain->layers->len, out->layers->len);
    }
}
END_TEST

/* Converts the children the way the copy engine would, then the list, and updates each
 * entry with the converted child, as skopeo does for `copy --all --format`. */
static void
check_list_conversion (const char *list_file, const char *target_list, const char *target_child,
                       const char *const *children, const char *const *configs,
                       const char *skopeo_list)
{
  g_autoptr (SkoposManifest) list = parse_fixture (list_file);
  g_autoptr (SkoposManifest) out = convert (list, target_list);

  for (guint i = 0; children[i] != NULL; i++)
    {
      g_autoptr (SkoposManifest) child = parse_fixture (children[i]);
      g_autoptr (GBytes) config = configs != NULL ? load_fixture (configs[i]) : NULL;
      g_autoptr (GBytes) new_config = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (SkoposManifest) converted
          = skopos_manifest_convert_with_config (child, target_child, config, &new_config,
                                                 &error);
      skopos_assert_no_error (error);

      g_autoptr (GBytes) bytes = serialize (converted);
      g_autofree char *old_digest = skopos_manifest_digest (child->raw, NULL);
      g_autofree char *new_digest = skopos_manifest_digest (bytes, NULL);
      ck_assert (skopos_manifest_list_update_instance (out, old_digest, new_digest,
                                                       (gint64) g_bytes_get_size (bytes),
                                                       target_child, &error));
      skopos_assert_no_error (error);
    }

  g_autoptr (GBytes) bytes = serialize (out);
  g_autoptr (GBytes) want = load_fixture (skopeo_list);
  assert_bytes_eq (bytes, want, list_file);
}

START_TEST (test_manifest_convert_lists_like_skopeo)
{
  static const char *const oci_children[] = { "oci-index.amd64.json", "oci-index.arm64.json",
                                              NULL };
  static const char *const docker_children[] = { "oci-index.amd64.v2s2.skopeo.json",
                                                 "oci-index.arm64.v2s2.skopeo.json", NULL };
  static const char *const docker_configs[] = { "oci-index.amd64.v2s2.config.json",
                                                "oci-index.arm64.v2s2.config.json", NULL };

  check_list_conversion ("oci-index.json", D_L, D_S2, oci_children, NULL,
                         "oci-index.v2list.skopeo.json");
  check_list_conversion ("oci-index.v2list.skopeo.json", OCI_I, OCI_M, docker_children,
                         docker_configs, "v2list.oci-index.skopeo.json");
}
END_TEST

/* ---- what conversions keep and drop ----------------------------------------------------- */

START_TEST (test_manifest_convert_list_fields)
{
  g_autoptr (SkoposManifest) list = parse_fixture ("v2list-variants.json");
  g_autoptr (SkoposManifest) index = convert (list, OCI_I);
  g_autoptr (GBytes) bytes = serialize (index);

  /* urls and every OCI platform field survive; "features" does not. */
  g_autoptr (SkoposManifest) back = parse_bytes (bytes, OCI_I);
  ck_assert_uint_eq (back->manifests->len, 7);
  SkoposDescriptor *ppc = back->manifests->pdata[5];
  ck_assert_str_eq (ppc->urls[0], "https://example.invalid/ppc");
  SkoposDescriptor *win = back->manifests->pdata[6];
  ck_assert_str_eq (win->platform->os_version, "10.0.14393.1066");
  ck_assert_str_eq (win->platform->os_features[0], "win32k");
  ck_assert_ptr_null (win->platform->features);
  ck_assert (strstr (g_bytes_get_data (bytes, NULL), "sse4") == NULL);
  ck_assert_str_eq (((SkoposDescriptor *) back->manifests->pdata[2])->platform->variant, "v7");
  /* Entries keep their type until the copy engine updates them. */
  ck_assert_str_eq (((SkoposDescriptor *) back->manifests->pdata[0])->media_type, D_S2);

  /* Index → list drops annotations, subject, artifactType; an entry without a
   * platform gets this machine's os and architecture. */
  g_autoptr (SkoposManifest) annotated = parse_fixture ("oci-index-annotated.json");
  g_autoptr (SkoposManifest) docker = convert (annotated, D_L);
  g_autoptr (GBytes) dbytes = serialize (docker);
  const char *text = g_bytes_get_data (dbytes, NULL);
  ck_assert (strstr (text, "annotations") == NULL);
  ck_assert (strstr (text, "subject") == NULL);
  ck_assert (strstr (text, "artifactType") == NULL);
  ck_assert (strstr (text, "https://example.invalid/attestation") != NULL);

  g_autoptr (SkoposPlatform) here = skopos_platform_new_for_runtime (NULL, NULL, NULL);
  SkoposDescriptor *att = docker->manifests->pdata[7];
  ck_assert_str_eq (att->platform->os, here->os);
  ck_assert_str_eq (att->platform->architecture, here->architecture);
  ck_assert_ptr_null (att->platform->variant);

  /* A Docker entry without a platform becomes an empty OCI platform. */
  g_autoptr (GBytes) bare = bytes_of (
      "{\"schemaVersion\":2,\"mediaType\":\"" D_L "\",\"manifests\":[{\"mediaType\":\"" D_S2
      "\",\"size\":1,\"digest\":\"" DIG_A "\"}]}");
  g_autoptr (SkoposManifest) bare_list = parse_bytes (bare, D_L);
  g_autoptr (SkoposManifest) bare_index = convert (bare_list, OCI_I);
  g_autoptr (GBytes) bare_out = serialize (bare_index);
  g_autoptr (GBytes) bare_want = bytes_of (
      "{\"schemaVersion\":2,\"mediaType\":\"" OCI_I "\",\"manifests\":[{\"mediaType\":\"" D_S2
      "\",\"digest\":\"" DIG_A "\",\"size\":1,\"platform\":{\"architecture\":\"\",\"os\":\"\"}}]}");
  assert_bytes_eq (bare_out, bare_want, "entry without platform");
}
END_TEST

START_TEST (test_manifest_convert_same_type_is_a_copy)
{
  static const char *const files[] = { "oci-sample.json", "v2s2-rich.json",
                                       "oci-index-annotated.json", "v2list-variants.json" };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr (SkoposManifest) m = parse_fixture (files[i]);
      g_autoptr (SkoposManifest) out = convert (m, m->media_type);
      g_autoptr (GBytes) bytes = serialize (out);
      g_autoptr (GBytes) again = serialize (m);
      assert_bytes_eq (bytes, again, files[i]);
      ck_assert (skopos_manifest_can_convert (m, m->media_type, NULL));
    }
}
END_TEST

/* ---- refusals --------------------------------------------------------------------------- */

#define OCFG(mt) "{\"mediaType\":\"" mt "\",\"digest\":\"" DIG_A "\",\"size\":2}"
#define OLAYER(mt) "{\"mediaType\":\"" mt "\",\"digest\":\"" DIG_B "\",\"size\":3}"
#define OCI_WITH(config, layer) \
  "{\"schemaVersion\":2,\"mediaType\":\"" OCI_M "\",\"config\":" config ",\"layers\":[" layer "]}"

START_TEST (test_manifest_convert_refusals)
{
  static const struct
  {
    const char *doc;
    const char *target;
    SkoposErrorEnum code;
    const char *message;
  } cases[] = {
    { OCI_WITH (OCFG (SKOPOS_MEDIA_TYPE_OCI_CONFIG), OLAYER (SKOPOS_MEDIA_TYPE_OCI_LAYER_ZSTD)),
      D_S2, SKOPOS_ERROR_NOT_SUPPORTED, "zstd compression is not supported for docker images" },
    { OCI_WITH (OCFG (SKOPOS_MEDIA_TYPE_OCI_CONFIG),
                OLAYER (SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_ZSTD)),
      D_S2, SKOPOS_ERROR_NOT_SUPPORTED, "zstd" },
    { OCI_WITH (OCFG (SKOPOS_MEDIA_TYPE_OCI_CONFIG),
                OLAYER ("application/vnd.oci.image.layer.v1.tar+gzip+encrypted")),
      D_S2, SKOPOS_ERROR_NOT_SUPPORTED, "encrypted layers" },
    { OCI_WITH (OCFG (SKOPOS_MEDIA_TYPE_OCI_CONFIG), OLAYER ("application/x-tar")), D_S2,
      SKOPOS_ERROR_NOT_SUPPORTED, "unknown media type \"application/x-tar\"" },
    { OCI_WITH (OCFG (SKOPOS_MEDIA_TYPE_OCI_EMPTY), OLAYER ("application/spdx+json")), D_S2,
      SKOPOS_ERROR_NOT_SUPPORTED, "OCI artifact (type \"" SKOPOS_MEDIA_TYPE_OCI_EMPTY "\")" },
    { OCI_WITH (OCFG (SKOPOS_MEDIA_TYPE_DOCKER_CONFIG), OLAYER (SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP)),
      D_S2, SKOPOS_ERROR_NOT_SUPPORTED, "invalid mixed OCI image with Docker v2s2 config" },
    { "{\"schemaVersion\":2,\"mediaType\":\"" D_S2 "\",\"config\":" OCFG ("application/x-custom")
      ",\"layers\":[]}",
      OCI_M, SKOPOS_ERROR_NOT_SUPPORTED, "not a Docker image config" },
    { OCI_WITH (OCFG (SKOPOS_MEDIA_TYPE_OCI_CONFIG), OLAYER (SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP)),
      OCI_I, SKOPOS_ERROR_NOT_SUPPORTED, "a single image does not convert to a list type" },
    { "{\"schemaVersion\":2,\"manifests\":[]}", D_S2, SKOPOS_ERROR_NOT_SUPPORTED,
      "a manifest list only converts to another list type" },
    { OCI_WITH (OCFG (SKOPOS_MEDIA_TYPE_OCI_CONFIG), OLAYER (SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP)),
      D_S1S, SKOPOS_ERROR_NOT_SUPPORTED, "converting to Docker schema 1 is not supported" },
    { OCI_WITH (OCFG (SKOPOS_MEDIA_TYPE_OCI_CONFIG), OLAYER (SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP)),
      D_S1, SKOPOS_ERROR_NOT_SUPPORTED, "not supported" },
    { OCI_WITH (OCFG (SKOPOS_MEDIA_TYPE_OCI_CONFIG), OLAYER (SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP)),
      "application/json", SKOPOS_ERROR_INVALID_ARGUMENT, "not a manifest media type" },
    { OCI_WITH (OCFG (SKOPOS_MEDIA_TYPE_OCI_CONFIG), OLAYER (SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP)),
      NULL, SKOPOS_ERROR_INVALID_ARGUMENT, "not a manifest media type" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) raw = bytes_of (cases[i].doc);
      g_autoptr (SkoposManifest) m = parse_bytes (raw, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (GError) error2 = NULL;
      g_autoptr (SkoposManifest) out = skopos_manifest_convert (m, cases[i].target, &error);

      ck_assert_msg (out == NULL, "case %zu converted", i);
      skopos_assert_error (error, SKOPOS_ERROR, cases[i].code);
      ck_assert_msg (strstr (error->message, cases[i].message) != NULL,
                     "case %zu: \"%s\" lacks \"%s\"", i, error->message, cases[i].message);

      /* can_convert gives the same answer and the same error. */
      ck_assert (!skopos_manifest_can_convert (m, cases[i].target, &error2));
      skopos_assert_error (error2, SKOPOS_ERROR, cases[i].code);
      ck_assert_str_eq (error2->message, error->message);
    }
}
END_TEST

START_TEST (test_manifest_convert_schema1_refused)
{
  static const char *const files[] = { "v2s1-unsigned.json", "v2s1-pretty-signed.json",
                                       "v2s1-signed.skopeo.json" };
  static const char *const targets[] = { D_S2, OCI_M, D_S1, D_S1S };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (targets); j++)
      {
        g_autoptr (SkoposManifest) m = parse_fixture (files[i]);
        g_autoptr (GError) error = NULL;
        g_autoptr (SkoposManifest) out = skopos_manifest_convert (m, targets[j], &error);
        ck_assert_ptr_null (out);
        skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_SUPPORTED);
        ck_assert (strstr (error->message, "schema 1") != NULL);
        ck_assert (strstr (error->message, "not supported") != NULL);
        ck_assert (!skopos_manifest_can_convert (m, targets[j], NULL));
      }
}
END_TEST

START_TEST (test_manifest_convert_with_config_checks)
{
  g_autoptr (SkoposManifest) src = parse_fixture ("v2s2-rich.json");
  g_autoptr (GBytes) other = bytes_of ("{}");
  g_autoptr (GBytes) new_config = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposManifest) out = NULL;

  /* The config must be the one the manifest names. */
  out = skopos_manifest_convert_with_config (src, OCI_M, other, &new_config, &error);
  ck_assert_ptr_null (out);
  ck_assert_ptr_null (new_config);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_DIGEST_MISMATCH);
  g_clear_error (&error);

  out = skopos_manifest_convert_with_config (src, OCI_M, NULL, &new_config, &error);
  ck_assert_ptr_null (out);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A config that does not decode as Go would decode it is an error too. */
  g_autoptr (GBytes) bad_config = bytes_of ("{\"architecture\":5}");
  g_autofree char *bad_digest = skopos_digest_compute_bytes ("sha256", bad_config);
  g_autoptr (SkoposManifest) bad_src = skopos_manifest_copy (src, FALSE);
  g_autoptr (SkoposDescriptor) desc = skopos_descriptor_new (SKOPOS_MEDIA_TYPE_DOCKER_CONFIG,
                                                             bad_digest, 18);
  skopos_manifest_set_config (bad_src, desc);
  out = skopos_manifest_convert_with_config (bad_src, OCI_M, bad_config, &new_config, &error);
  ck_assert_ptr_null (out);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);
  ck_assert (strstr (error->message, "architecture") != NULL);
}
END_TEST

/* ---- the config rewrite ----------------------------------------------------------------- */

START_TEST (test_manifest_convert_config_like_go)
{
  /* Expected outputs are what skopeo 1.9.3 wrote for each input. */
  static const struct
  {
    const char *in, *out;
  } cases[] = {
    { "{}", "{\"architecture\":\"\",\"os\":\"\",\"config\":{},\"rootfs\":{\"type\":\"\","
            "\"diff_ids\":null}}" },
    { "{\"os.features\":[\"a\",\"b\"],\"os\":\"windows\",\"architecture\":\"amd64\",\"Memory\":5,"
      "\"created\":\"2023-05-01T10:20:30.000+00:00\",\"history\":[{\"created_by\":"
      "\"x\\b\\f\\u0001y\"},{}]}",
      "{\"created\":\"2023-05-01T10:20:30Z\",\"architecture\":\"amd64\",\"os\":\"windows\","
      "\"os.features\":[\"a\",\"b\"],\"config\":{},\"rootfs\":{\"type\":\"\",\"diff_ids\":null},"
      "\"history\":[{\"created_by\":\"x\\u0008\\u000c\\u0001y\"},{}]}" },
    { "{\"config\":{},\"rootfs\":{\"diff_ids\":[]},\"created\":\"2023-05-01T10:20:30-00:00\","
      "\"history\":[]}",
      "{\"created\":\"2023-05-01T10:20:30Z\",\"architecture\":\"\",\"os\":\"\",\"config\":{},"
      "\"rootfs\":{\"type\":\"\",\"diff_ids\":[]}}" },
    { "{\"config\":null,\"rootfs\":null,\"created\":null,\"architecture\":null}",
      "{\"architecture\":\"\",\"os\":\"\",\"config\":{},\"rootfs\":{\"type\":\"\","
      "\"diff_ids\":null}}" },
    { "{\"config\":{\"ExposedPorts\":{\"1\":{\"x\":1}}},\"created\":"
      "\"2023-05-01T10:20:30.123456789987Z\",\"author\":\"b\\u00e9\"}",
      "{\"created\":\"2023-05-01T10:20:30.123456789Z\",\"author\":\"bé\",\"architecture\":\"\","
      "\"os\":\"\",\"config\":{\"ExposedPorts\":{\"1\":{}}},\"rootfs\":{\"type\":\"\","
      "\"diff_ids\":null}}" },
    { "{\"created\":\"2023-05-01T10:20:30.1+05:30\",\"history\":[{\"created\":"
      "\"0001-01-01T00:00:00Z\",\"empty_layer\":false}],\"variant\":\"\"}",
      "{\"created\":\"2023-05-01T10:20:30.1+05:30\",\"architecture\":\"\",\"os\":\"\","
      "\"config\":{},\"rootfs\":{\"type\":\"\",\"diff_ids\":null},\"history\":[{\"created\":"
      "\"0001-01-01T00:00:00Z\"}]}" },
    { "{\"history\":null,\"config\":{\"Env\":[\"a\",null]}}",
      "{\"architecture\":\"\",\"os\":\"\",\"config\":{\"Env\":[\"a\",\"\"]},\"rootfs\":{"
      "\"type\":\"\",\"diff_ids\":null}}" },
    /* keys in another case, repeated keys, objects merging, null clearing a slice */
    { "{\"os.features\":[\"f\"],\"os.version\":\"v\",\"variant\":\"v7\",\"os\":\"linux\","
      "\"architecture\":\"arm\",\"history\":[{\"empty_layer\":true,\"comment\":\"c\",\"author\":"
      "\"a\",\"created_by\":\"b\",\"created\":\"2020-01-01T00:00:00Z\"}],\"Author\":\"x\","
      "\"author\":null,\"Config\":{\"user\":\"u\",\"Cmd\":[\"a\"],\"cmd\":null},\"config\":{"
      "\"Env\":[\"e\"]}}",
      "{\"author\":\"x\",\"architecture\":\"arm\",\"variant\":\"v7\",\"os\":\"linux\","
      "\"os.version\":\"v\",\"os.features\":[\"f\"],\"config\":{\"User\":\"u\",\"Env\":[\"e\"]},"
      "\"rootfs\":{\"type\":\"\",\"diff_ids\":null},\"history\":[{\"created\":"
      "\"2020-01-01T00:00:00Z\",\"created_by\":\"b\",\"author\":\"a\",\"comment\":\"c\","
      "\"empty_layer\":true}]}" },
    { "{\"created\":\"2020-01-01T23:00:00,5+25:99\"}",
      "{\"created\":\"2020-01-01T23:00:00.5+26:39\",\"architecture\":\"\",\"os\":\"\","
      "\"config\":{},\"rootfs\":{\"type\":\"\",\"diff_ids\":null}}" },
    { "{\"created\":\"0000-01-01T23:00:00+01:00\"}",
      "{\"created\":\"0000-01-01T23:00:00+01:00\",\"architecture\":\"\",\"os\":\"\","
      "\"config\":{},\"rootfs\":{\"type\":\"\",\"diff_ids\":null}}" },
    { "{\"config\":{\"Labels\":{\"b\":\"1\",\"a\":null},\"labels\":{\"c\":\"<\"},\"Volumes\":"
      "{\"/v\":null},\"ArgsEscaped\":false,\"StopSignal\":\"\"}}",
      "{\"architecture\":\"\",\"os\":\"\",\"config\":{\"Volumes\":{\"/v\":{}},\"Labels\":{"
      "\"a\":\"\",\"b\":\"1\",\"c\":\"\\u003c\"}},\"rootfs\":{\"type\":\"\",\"diff_ids\":null}}" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) in = bytes_of (cases[i].in);
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) out = skopos_manifest_convert_config_to_oci (in, &error);
      g_autoptr (GBytes) want = bytes_of (cases[i].out);

      skopos_assert_no_error (error);
      assert_bytes_eq (out, want, cases[i].in);
    }
}
END_TEST

START_TEST (test_manifest_convert_config_refusals)
{
  static const struct
  {
    const char *in, *message;
  } cases[] = {
    { "", "not valid JSON" },
    { "{", "not valid JSON" },
    { "[]", "not a JSON object" },
    { "{\"architecture\":5}", "\"architecture\" is not a string" },
    { "{\"config\":[]}", "\"config\" is not an object" },
    { "{\"config\":{\"Env\":\"x\"}}", "\"Env\" is not an array" },
    { "{\"config\":{\"Env\":[1]}}", "\"Env\" has an element that is not a string" },
    { "{\"config\":{\"Labels\":{\"a\":1}}}", "\"Labels\" has a value that is not a string" },
    { "{\"config\":{\"ExposedPorts\":{\"80\":1}}}", "has a value that is not an object" },
    { "{\"config\":{\"ArgsEscaped\":\"yes\"}}", "\"ArgsEscaped\" is not a boolean" },
    { "{\"history\":[5]}", "\"history\" has an element that is not an object" },
    { "{\"history\":{}}", "\"history\" is not an array" },
    { "{\"created\":5}", "\"created\" is not a time string" },
    { "{\"created\":\"2023-05-01 10:20:30Z\"}", "not an RFC 3339 time" },
    { "{\"created\":\"2023-05-01t10:20:30Z\"}", "not an RFC 3339 time" },
    { "{\"created\":\"2020-02-30T00:00:00Z\"}", "day out of range" },
    { "{\"created\":\"2020-13-01T00:00:00Z\"}", "month out of range" },
    { "{\"created\":\"2020-01-01T24:00:00Z\"}", "time out of range" },
    { "{\"created\":\"10000-05-01T10:20:30Z\"}", "not an RFC 3339 time" },
    { "{\"created\":\"2020-01-01T00:00:00\"}", "no time zone" },
    { "{\"created\":\"2020-01-01T00:00:00.Z\"}", "no time zone" },
    { "{\"created\":\"2020-01-01T00:00:00Zx\"}", "extra text" },
    { "{\"created\":\"2020-01-01T00:00:00+0100\"}", "bad time zone" },
    { "{\"history\":[{\"created\":\"yesterday\"}]}", "\"created\"" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) in = bytes_of (cases[i].in);
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) out = skopos_manifest_convert_config_to_oci (in, &error);

      ck_assert_msg (out == NULL, "accepted %s", cases[i].in);
      skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);
      ck_assert_msg (strstr (error->message, cases[i].message) != NULL, "\"%s\" lacks \"%s\"",
                     error->message, cases[i].message);
    }
}
END_TEST

START_TEST (test_manifest_convert_go_time)
{
  static const struct
  {
    const char *in, *out;
  } cases[] = {
    { "2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z" },
    { "2024-01-02T03:04:05.000000000Z", "2024-01-02T03:04:05Z" },
    { "2024-01-02T03:04:05.100Z", "2024-01-02T03:04:05.1Z" },
    { "2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05.123456789Z" },
    { "2024-01-02T03:04:05.1234567891Z", "2024-01-02T03:04:05.123456789Z" },
    { "2024-01-02T03:04:05+00:00", "2024-01-02T03:04:05Z" },
    { "2024-01-02T03:04:05-07:30", "2024-01-02T03:04:05-07:30" },
    { "2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z" },
    { "2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z" },
  };
  static const char *const bad[] = {
    "1900-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z",
    "2024-01-02T03:60:00Z", "2024-01-02T03:04:60Z", "2024-00-02T03:04:05Z",
    "2024-01-00T03:04:05Z", "24-01-02T03:04:05Z", "", "2024-01-02",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *out = _skopos_go_time_normalize (cases[i].in, &error);
      skopos_assert_no_error (error);
      ck_assert_str_eq (out, cases[i].out);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *out = _skopos_go_time_normalize (bad[i], &error);
      ck_assert_msg (out == NULL, "accepted %s", bad[i]);
      skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);
    }
}
END_TEST

static Suite *
manifest_convert_suite (void)
{
  Suite *s = suite_create ("ManifestConvert");
  TCase *tc;

  tc = tcase_create ("skopeo");
  tcase_add_test (tc, test_manifest_convert_oci_to_v2s2_like_skopeo);
  tcase_add_test (tc, test_manifest_convert_v2s2_to_oci_like_skopeo);
  tcase_add_test (tc, test_manifest_convert_lists_like_skopeo);
  suite_add_tcase (s, tc);

  tc = tcase_create ("fields");
  tcase_add_test (tc, test_manifest_convert_list_fields);
  tcase_add_test (tc, test_manifest_convert_same_type_is_a_copy);
  suite_add_tcase (s, tc);

  tc = tcase_create ("refusals");
  tcase_add_test (tc, test_manifest_convert_refusals);
  tcase_add_test (tc, test_manifest_convert_schema1_refused);
  tcase_add_test (tc, test_manifest_convert_with_config_checks);
  suite_add_tcase (s, tc);

  tc = tcase_create ("config");
  tcase_add_test (tc, test_manifest_convert_config_like_go);
  tcase_add_test (tc, test_manifest_convert_config_refusals);
  tcase_add_test (tc, test_manifest_convert_go_time);
  suite_add_tcase (s, tc);

  return s;
}

SKOPOS_TEST_MAIN (manifest_convert_suite)
