/* test-platform.c: platform names for this machine, and choosing an instance of a
 * manifest list the way containers/image does.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>
#include <sys/utsname.h>

#include "skopos-check.h"
#include "skopos-manifest-private.h"

static SkoposManifest *
parse_fixture (const char *name)
{
  g_autofree char *path = g_build_filename (TEST_DATA_DIR, "manifests", name, NULL);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  ck_assert_msg (g_file_get_contents (path, &contents, &len, &error), "cannot read %s", path);
  g_autoptr (GBytes) raw = g_bytes_new_take (contents, len);
  SkoposManifest *m = skopos_manifest_parse (raw, NULL, &error);
  ck_assert_msg (m != NULL, "%s: %s", name, error ? error->message : "");
  return m;
}

static SkoposPlatform *
platform (const char *os, const char *arch, const char *variant)
{
  SkoposPlatform *p = g_new0 (SkoposPlatform, 1);

  p->os = g_strdup (os);
  p->architecture = g_strdup (arch);
  p->variant = g_strdup (variant);
  return p;
}

/* The fixtures name each entry's digest after sha256 of a word (see
 * make-manifests.sh); this gives the word back for readable assertions. */
static const char *
name_of (const SkoposManifest *list, const SkoposDescriptor *chosen)
{
  static const char *const names[] = { "amd64-gzip", "amd64-zstd", "arm-v6", "arm-v7",
                                       "arm64", "arm64-v8", "windows", "attestation",
                                       "d-amd64", "d-arm-v5", "d-arm-v7", "d-arm64",
                                       "d-arm64-v8", "d-ppc64le", "d-windows" };

  (void) list;
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *d = skopos_digest_compute ("sha256", names[i], strlen (names[i]));
      if (g_strcmp0 (d, chosen->digest) == 0)
        return names[i];
    }
  return "(unknown)";
}

/* ---- this machine ----------------------------------------------------------------- */

START_TEST (test_platform_machine_names)
{
  static const struct
  {
    const char *machine;
    gboolean is_32bit;
    const char *arch, *variant;
  } cases[] = {
    { "x86_64", FALSE, "amd64", NULL },   { "x86_64", TRUE, "386", NULL },
    { "i686", FALSE, "386", NULL },       { "i386", FALSE, "386", NULL },
    { "aarch64", FALSE, "arm64", "v8" },  { "aarch64", TRUE, "arm", "v8" },
    { "arm64", FALSE, "arm64", "v8" },    { "armv8l", TRUE, "arm", "v8" },
    { "armv7l", TRUE, "arm", "v7" },      { "armv6l", TRUE, "arm", "v6" },
    { "armv5tel", TRUE, "arm", "v5" },    { "ppc64le", FALSE, "ppc64le", NULL },
    { "ppc64", FALSE, "ppc64", NULL },    { "s390x", FALSE, "s390x", NULL },
    { "riscv64", FALSE, "riscv64", NULL }, { "mips64", FALSE, "mips64", NULL },
    { "loongarch64", FALSE, "loong64", NULL }, { "sparc64", FALSE, "sparc64", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *arch = NULL;
      g_autofree char *variant = NULL;

      _skopos_platform_from_machine (cases[i].machine, cases[i].is_32bit, &arch, &variant);
      ck_assert_msg (g_strcmp0 (arch, cases[i].arch) == 0, "%s → %s", cases[i].machine, arch);
      ck_assert_msg (g_strcmp0 (variant, cases[i].variant) == 0, "%s → variant %s",
                     cases[i].machine, variant);
    }
}
END_TEST

START_TEST (test_platform_runtime_and_overrides)
{
  struct utsname u;
  g_autofree char *arch = NULL;
  g_autofree char *variant = NULL;

  ck_assert_int_eq (uname (&u), 0);
  _skopos_platform_from_machine (u.machine, sizeof (void *) == 4, &arch, &variant);

  g_autoptr (SkoposPlatform) here = skopos_platform_new_for_runtime (NULL, NULL, NULL);
  ck_assert_str_eq (here->os, "linux");
  ck_assert_str_eq (here->architecture, arch);
  if (g_strcmp0 (arch, "arm") != 0)
    ck_assert_pstr_eq (here->variant, g_strcmp0 (arch, "arm64") == 0 ? "v8" : NULL);

  /* An architecture given by the user comes without a detected variant. */
  g_autoptr (SkoposPlatform) a = skopos_platform_new_for_runtime (NULL, "arm64", NULL);
  ck_assert_str_eq (a->os, "linux");
  ck_assert_str_eq (a->architecture, "arm64");
  ck_assert_ptr_null (a->variant);

  g_autoptr (SkoposPlatform) b = skopos_platform_new_for_runtime ("windows", "arm", "v7");
  ck_assert_str_eq (b->os, "windows");
  ck_assert_str_eq (b->architecture, "arm");
  ck_assert_str_eq (b->variant, "v7");
  g_autofree char *bs = skopos_platform_to_string (b);
  ck_assert_str_eq (bs, "windows/arm/v7");

  /* A variant alone replaces the detected one; empty strings mean "not given". */
  g_autoptr (SkoposPlatform) c = skopos_platform_new_for_runtime ("", "", "v9");
  ck_assert_str_eq (c->os, "linux");
  ck_assert_str_eq (c->architecture, arch);
  ck_assert_str_eq (c->variant, "v9");

  g_autoptr (SkoposPlatform) d = skopos_platform_new_for_runtime ("freebsd", "amd64", NULL);
  g_autofree char *ds = skopos_platform_to_string (d);
  ck_assert_str_eq (ds, "freebsd/amd64");

  /* Copies are deep. */
  d->os_features = g_strsplit ("a,b", ",", -1);
  d->os_version = g_strdup ("1.0");
  d->features = g_strsplit ("sse4", ",", -1);
  g_autoptr (SkoposPlatform) e = skopos_platform_copy (d);
  ck_assert_ptr_ne (e->os_features, d->os_features);
  ck_assert_str_eq (e->os_features[1], "b");
  ck_assert_str_eq (e->os_version, "1.0");
  ck_assert_str_eq (e->features[0], "sse4");
  ck_assert_ptr_null (skopos_platform_copy (NULL));
  skopos_platform_free (NULL);
}
END_TEST

/* ---- choosing ------------------------------------------------------------------------ */

typedef struct
{
  const char *os, *arch, *variant;
  const char *expected; /* entry name, or NULL for no match */
} ChooseCase;

static void
run_choose_cases (const char *file, const ChooseCase *cases, gsize n)
{
  g_autoptr (SkoposManifest) list = parse_fixture (file);

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (SkoposPlatform) wanted = platform (cases[i].os, cases[i].arch, cases[i].variant);
      g_autoptr (GError) error = NULL;
      const SkoposDescriptor *chosen = skopos_manifest_list_choose_instance (list, wanted,
                                                                             &error);
      if (cases[i].expected == NULL)
        {
          ck_assert_msg (chosen == NULL, "%s: %s/%s/%s chose %s", file, cases[i].os,
                         cases[i].arch, cases[i].variant, chosen ? name_of (list, chosen) : "");
          skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NO_MATCHING_PLATFORM);
          continue;
        }
      skopos_assert_no_error (error);
      ck_assert_msg (chosen != NULL, "no choice");
      ck_assert_msg (strcmp (name_of (list, chosen), cases[i].expected) == 0,
                     "%s: %s/%s/%s chose %s, want %s", file, cases[i].os, cases[i].arch,
                     cases[i].variant, name_of (list, chosen), cases[i].expected);
    }
}

START_TEST (test_platform_choose_docker_list)
{
  /* entries: amd64, arm/v5, arm/v7, arm64, arm64/v8, ppc64le, windows/amd64 */
  static const ChooseCase cases[] = {
    { "linux", "amd64", NULL, "d-amd64" },
    { "windows", "amd64", NULL, "d-windows" },
    { "linux", "ppc64le", NULL, "d-ppc64le" },
    /* v7 wanted: v7 first */
    { "linux", "arm", "v7", "d-arm-v7" },
    /* v6 wanted: v7 is too new, v5 is compatible */
    { "linux", "arm", "v6", "d-arm-v5" },
    { "linux", "arm", "v8", "d-arm-v7" },
    /* no variant wanted: an entry without one first, then v8, v7, ... */
    { "linux", "arm", NULL, "d-arm-v7" },
    { "linux", "arm", "", "d-arm-v7" },
    /* arm64: v8 wanted prefers v8; none wanted prefers none */
    { "linux", "arm64", "v8", "d-arm64-v8" },
    { "linux", "arm64", NULL, "d-arm64" },
    /* an unknown variant accepts itself or none */
    { "linux", "arm64", "v9", "d-arm64" },
    { "linux", "arm", "v4", NULL },
    { "linux", "s390x", NULL, NULL },
    { "darwin", "amd64", NULL, NULL },
    { "linux", "amd64", "v3", "d-amd64" },
  };

  run_choose_cases ("v2list-variants.json", cases, G_N_ELEMENTS (cases));
}
END_TEST

START_TEST (test_platform_choose_oci_index)
{
  /* entries: amd64 gzip, amd64 zstd, arm/v6, arm/v7, arm64, arm64/v8, windows/amd64,
   * and one without a platform */
  static const ChooseCase cases[] = {
    /* same platform: the zstd instance wins, as upstream prefers it */
    { "linux", "amd64", NULL, "amd64-zstd" },
    { "windows", "amd64", NULL, "windows" },
    { "linux", "arm", "v7", "arm-v7" },
    { "linux", "arm", "v6", "arm-v6" },
    { "linux", "arm", "v5", "attestation" },
    { "linux", "arm64", "v8", "arm64-v8" },
    { "linux", "arm64", NULL, "arm64" },
    /* nothing matches by platform: the entry without one is the last resort */
    { "linux", "s390x", NULL, "attestation" },
  };

  run_choose_cases ("oci-index-annotated.json", cases, G_N_ELEMENTS (cases));
}
END_TEST

START_TEST (test_platform_choose_order_and_errors)
{
  /* Two entries for the same platform in a Docker list: the first wins. */
  g_autofree char *d1 = skopos_digest_compute ("sha256", "one", 3);
  g_autofree char *d2 = skopos_digest_compute ("sha256", "two", 3);
  g_autofree char *doc = g_strdup_printf (
      "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":["
      "{\"mediaType\":\"%s\",\"size\":1,\"digest\":\"%s\",\"platform\":{\"architecture\":"
      "\"amd64\",\"os\":\"linux\"}},"
      "{\"mediaType\":\"%s\",\"size\":1,\"digest\":\"%s\",\"platform\":{\"architecture\":"
      "\"amd64\",\"os\":\"linux\"}},"
      "{\"mediaType\":\"%s\",\"size\":1,\"digest\":\"%s\"}]}",
      SKOPOS_MEDIA_TYPE_DOCKER_V2_LIST, SKOPOS_MEDIA_TYPE_DOCKER_V2S2, d1,
      SKOPOS_MEDIA_TYPE_DOCKER_V2S2, d2, SKOPOS_MEDIA_TYPE_DOCKER_V2S2, d2);
  g_autoptr (GBytes) raw = g_bytes_new (doc, strlen (doc));
  g_autoptr (SkoposManifest) list = skopos_manifest_parse (raw, NULL, NULL);
  ck_assert_ptr_nonnull (list);

  g_autoptr (SkoposPlatform) amd64 = platform ("linux", "amd64", NULL);
  const SkoposDescriptor *chosen = skopos_manifest_list_choose_instance (list, amd64, NULL);
  ck_assert_str_eq (chosen->digest, d1);

  /* A Docker entry without a platform never matches, and the error follows
   * upstream's wording, with the first wanted variant. */
  static const struct
  {
    const char *arch, *variant, *message;
  } misses[] = {
    { "arm64", "v8",
      "no image found in manifest list for architecture \"arm64\", variant \"v8\", OS \"linux\"" },
    { "arm64", NULL,
      "no image found in manifest list for architecture \"arm64\", variant \"\", OS \"linux\"" },
    { "arm", "v6",
      "no image found in manifest list for architecture \"arm\", variant \"v6\", OS \"linux\"" },
    { "we\"ird", NULL,
      "no image found in manifest list for architecture \"we\\\"ird\", variant \"\", "
      "OS \"linux\"" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (misses); i++)
    {
      g_autoptr (SkoposPlatform) wanted = platform ("linux", misses[i].arch, misses[i].variant);
      g_autoptr (GError) error = NULL;
      ck_assert_ptr_null (skopos_manifest_list_choose_instance (list, wanted, &error));
      skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NO_MATCHING_PLATFORM);
      ck_assert_str_eq (error->message, misses[i].message);
    }

  /* An OCI index says so in its message. */
  g_autoptr (SkoposManifest) index = parse_fixture ("oci-index.json");
  g_autoptr (SkoposPlatform) s390x = platform ("linux", "s390x", NULL);
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (skopos_manifest_list_choose_instance (index, s390x, &error));
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_NO_MATCHING_PLATFORM);
  ck_assert_str_eq (error->message, "no image found in image index for architecture "
                                    "\"s390x\", variant \"\", OS \"linux\"");

  /* A single image is not a list. */
  g_autoptr (SkoposManifest) image = parse_fixture ("oci-sample.json");
  g_autoptr (GError) error2 = NULL;
  ck_assert_ptr_null (skopos_manifest_list_choose_instance (image, amd64, &error2));
  skopos_assert_error (error2, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_ARGUMENT);
}
END_TEST

static Suite *
platform_suite (void)
{
  Suite *s = suite_create ("Platform");
  TCase *tc;

  tc = tcase_create ("runtime");
  tcase_add_test (tc, test_platform_machine_names);
  tcase_add_test (tc, test_platform_runtime_and_overrides);
  suite_add_tcase (s, tc);

  tc = tcase_create ("choose");
  tcase_add_test (tc, test_platform_choose_docker_list);
  tcase_add_test (tc, test_platform_choose_oci_index);
  tcase_add_test (tc, test_platform_choose_order_and_errors);
  suite_add_tcase (s, tc);

  return s;
}

SKOPOS_TEST_MAIN (platform_suite)
