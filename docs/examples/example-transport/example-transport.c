/* example-transport.c: a skopos transport written as a third party would write one.
 *
 * "example:NAME" names a small image that this module builds in memory: one
 * uncompressed tar layer holding /hello.txt ("Hello from example:NAME"), an OCI config
 * and an OCI manifest. The transport can only be read from, so
 *
 *   skopos copy example:demo oci:/tmp/layout:demo
 *
 * works, and a copy *to* example: is refused by libskopos because the descriptor does
 * not claim SKOPOS_TRANSPORT_CAN_WRITE.
 *
 * The module includes nothing of skopos but <skopos/skopos-transport-plugin.h> and
 * exports one symbol, skopos_transport_get_descriptor(). Everything it returns is built
 * from fixed inputs, so the same NAME always gives the same digests.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include <skopos/skopos-transport-plugin.h>

#define EXAMPLE_MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define EXAMPLE_CONFIG_TYPE "application/vnd.oci.image.config.v1+json"
#define EXAMPLE_LAYER_TYPE "application/vnd.oci.image.layer.v1.tar"
#define EXAMPLE_NAME_MAX 64
/* 2024-01-02T03:04:05Z: a fixed time keeps the blobs reproducible. */
#define EXAMPLE_MTIME 1704164645
#define EXAMPLE_CREATED "2024-01-02T03:04:05Z"

#if defined(__aarch64__)
#define EXAMPLE_ARCH "arm64"
#else
#define EXAMPLE_ARCH "amd64"
#endif

typedef struct
{
  char *name;
} ExampleReference;

typedef struct
{
  GBytes *manifest;
  GBytes *config;
  GBytes *layer;
  char *config_digest;
  char *layer_digest;
} ExampleSource;

/* ---- building the image ----------------------------------------------------------- */

/* A ustar archive with one regular file: a 512-byte header, the contents padded to a
 * 512-byte boundary, then two zero blocks to end the archive. */
static GBytes *
make_tar (const char *file_name, const char *contents)
{
  gsize len = strlen (contents);
  gsize padded = (len + 511) / 512 * 512;
  gsize total = 512 + padded + 1024;
  guint8 *tar = g_malloc0 (total);
  char *h = (char *) tar;

  strncpy (h, file_name, 99);
  memcpy (h + 100, "0000644", 8);
  memcpy (h + 108, "0000000", 8);
  memcpy (h + 116, "0000000", 8);
  g_snprintf (h + 124, 12, "%011" G_GSIZE_MODIFIER "o", len);
  g_snprintf (h + 136, 12, "%011o", (unsigned) EXAMPLE_MTIME);
  h[156] = '0';
  memcpy (h + 257, "ustar", 6);
  memcpy (h + 263, "00", 2);

  /* The checksum is the byte sum of the header with its own field read as spaces. */
  memset (h + 148, ' ', 8);
  unsigned sum = 0;
  for (gsize i = 0; i < 512; i++)
    sum += tar[i];
  g_snprintf (h + 148, 8, "%06o", sum);
  h[155] = ' ';

  memcpy (tar + 512, contents, len);
  return g_bytes_new_take (tar, total);
}

static GBytes *
bytes_take_string (char *text)
{
  gsize len = strlen (text);
  return g_bytes_new_take (text, len);
}

static ExampleSource *
example_source_new (const char *name)
{
  ExampleSource *src = g_new0 (ExampleSource, 1);
  g_autofree char *hello = g_strdup_printf ("Hello from example:%s\n", name);

  src->layer = make_tar ("hello.txt", hello);
  src->layer_digest = skopos_digest_compute_bytes ("sha256", src->layer);

  /* An uncompressed layer's diff ID is its own digest. NAME is restricted to
   * characters that need no JSON escaping (see example_parse_reference). */
  src->config = bytes_take_string (g_strdup_printf (
      "{\"created\":\"%s\",\"architecture\":\"%s\",\"os\":\"linux\","
      "\"config\":{\"Env\":[\"PATH=/usr/bin:/bin\"],\"Cmd\":[\"/bin/cat\",\"/hello.txt\"],"
      "\"Labels\":{\"org.opencontainers.image.title\":\"%s\"}},"
      "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]},"
      "\"history\":[{\"created\":\"%s\",\"created_by\":\"example transport\"}]}",
      EXAMPLE_CREATED, EXAMPLE_ARCH, name, src->layer_digest, EXAMPLE_CREATED));
  src->config_digest = skopos_digest_compute_bytes ("sha256", src->config);

  src->manifest = bytes_take_string (g_strdup_printf (
      "{\"schemaVersion\":2,\"mediaType\":\"%s\","
      "\"config\":{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%" G_GSIZE_FORMAT "},"
      "\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%" G_GSIZE_FORMAT "}]}",
      EXAMPLE_MANIFEST_TYPE, EXAMPLE_CONFIG_TYPE, src->config_digest,
      g_bytes_get_size (src->config), EXAMPLE_LAYER_TYPE, src->layer_digest,
      g_bytes_get_size (src->layer)));
  return src;
}

/* ---- the source --------------------------------------------------------------------- */

static gboolean
example_get_manifest (gpointer source,
                      const char *instance_digest,
                      GBytes **out_manifest,
                      char **out_media_type,
                      GCancellable *cancellable,
                      GError **error)
{
  ExampleSource *src = source;

  /* The image is a single manifest, never a list: no instance can be asked for. */
  if (instance_digest != NULL)
    return skopos_throw (error, SKOPOS_ERROR_NOT_FOUND,
                         "example: the image has no instance %s", instance_digest);

  *out_manifest = g_bytes_ref (src->manifest);
  *out_media_type = g_strdup (EXAMPLE_MANIFEST_TYPE);
  return TRUE;
}

static gboolean
example_get_blob (gpointer source,
                  const SkoposBlobInfo *info,
                  GInputStream **out_stream,
                  gint64 *out_size,
                  GCancellable *cancellable,
                  GError **error)
{
  ExampleSource *src = source;
  GBytes *blob = NULL;

  if (g_strcmp0 (info->digest, src->layer_digest) == 0)
    blob = src->layer;
  else if (g_strcmp0 (info->digest, src->config_digest) == 0)
    blob = src->config;
  else
    return skopos_throw (error, SKOPOS_ERROR_NOT_FOUND, "example: no blob %s", info->digest);

  *out_stream = g_memory_input_stream_new_from_bytes (blob);
  *out_size = (gint64) g_bytes_get_size (blob);
  return TRUE;
}

static void
example_source_free (gpointer source)
{
  ExampleSource *src = source;

  g_bytes_unref (src->manifest);
  g_bytes_unref (src->config);
  g_bytes_unref (src->layer);
  g_free (src->config_digest);
  g_free (src->layer_digest);
  g_free (src);
}

/* ---- the reference ------------------------------------------------------------------ */

static gboolean
example_parse_reference (const char *text, gpointer *out_reference, GError **error)
{
  gsize len = strlen (text);

  /* Names are plain words, so they can go into JSON and file names as they are. */
  if (len == 0 || len > EXAMPLE_NAME_MAX
      || strspn (text, "abcdefghijklmnopqrstuvwxyz0123456789._-") != len)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "example: invalid image name '%s': use 1 to %d of a-z, 0-9, '.', '_' "
                         "and '-'",
                         text, EXAMPLE_NAME_MAX);

  ExampleReference *ref = g_new0 (ExampleReference, 1);
  ref->name = g_strdup (text);
  *out_reference = ref;
  return TRUE;
}

static char *
example_to_string (gpointer reference)
{
  ExampleReference *ref = reference;

  return g_strdup (ref->name);
}

static char *
example_docker_reference (gpointer reference)
{
  return NULL;
}

static char *
example_policy_identity (gpointer reference)
{
  ExampleReference *ref = reference;

  return g_strdup (ref->name);
}

static gboolean
example_open_source (gpointer reference,
                     SkoposContext *ctx,
                     GCancellable *cancellable,
                     gpointer *out_source,
                     GError **error)
{
  ExampleReference *ref = reference;

  *out_source = example_source_new (ref->name);
  return TRUE;
}

static void
example_reference_free (gpointer reference)
{
  ExampleReference *ref = reference;

  g_free (ref->name);
  g_free (ref);
}

/* ---- the descriptor ----------------------------------------------------------------- */

static const SkoposReferenceOps reference_ops = {
  .struct_size = sizeof (SkoposReferenceOps),
  .to_string = example_to_string,
  .docker_reference = example_docker_reference,
  .policy_identity = example_policy_identity,
  .open_source = example_open_source,
  .free = example_reference_free,
};

static const SkoposSourceOps source_ops = {
  .struct_size = sizeof (SkoposSourceOps),
  .get_manifest = example_get_manifest,
  .get_blob = example_get_blob,
  .free = example_source_free,
};

static const SkoposTransportDescriptor descriptor = {
  .abi_major = SKOPOS_TRANSPORT_ABI_MAJOR,
  .abi_minor = SKOPOS_TRANSPORT_ABI_MINOR,
  .struct_size = sizeof (SkoposTransportDescriptor),
  .name = "example",
  .summary = "Example: example:NAME is a one-layer image built in memory (read only)",
  .version = "1.0",
  .flags = SKOPOS_TRANSPORT_CAN_READ,
  .parse_reference = example_parse_reference,
  .reference_ops = &reference_ops,
  .source_ops = &source_ops,
};

SKOPOS_TRANSPORT_EXPORT const SkoposTransportDescriptor *
skopos_transport_get_descriptor (void)
{
  return &descriptor;
}
