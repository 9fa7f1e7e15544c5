/* manifest-fixtures.h: what the manifest, conversion and platform tests share: short
 * names for media types, placeholder digests, and the fixture files under
 * tests/data/manifests/.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <string.h>

#include "skopos-check.h"

#define OCI_M SKOPOS_MEDIA_TYPE_OCI_MANIFEST
#define OCI_I SKOPOS_MEDIA_TYPE_OCI_INDEX
#define D_S2 SKOPOS_MEDIA_TYPE_DOCKER_V2S2
#define D_L SKOPOS_MEDIA_TYPE_DOCKER_V2_LIST
#define D_S1 SKOPOS_MEDIA_TYPE_DOCKER_V2S1
#define D_S1S SKOPOS_MEDIA_TYPE_DOCKER_V2S1_SIGNED

#define DIG_A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIG_B "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define DIG_C "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/* The bytes of tests/data/manifests/@name; fails the test if it cannot be read. */
static inline GBytes *
load_fixture (const char *name)
{
  g_autofree char *path = g_build_filename (TEST_DATA_DIR, "manifests", name, NULL);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  ck_assert_msg (g_file_get_contents (path, &contents, &len, &error), "cannot read %s: %s",
                 path, error ? error->message : "");
  return g_bytes_new_take (contents, len);
}

static inline GBytes *
bytes_of (const char *text)
{
  return g_bytes_new (text, strlen (text));
}
