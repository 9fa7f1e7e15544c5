/* fixture.c: a tiny transport built several times, each copy broken in one way (see
 * meson.build), for the loader tests. The good copy reads and writes an in-memory
 * image so the loader tests can also check that calls reach a module.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <skopos/skopos-transport-plugin.h>

#ifndef FIXTURE_ABI_MAJOR
#define FIXTURE_ABI_MAJOR SKOPOS_TRANSPORT_ABI_MAJOR
#endif
#ifndef FIXTURE_ABI_MINOR
#define FIXTURE_ABI_MINOR SKOPOS_TRANSPORT_ABI_MINOR
#endif
#ifndef FIXTURE_STRUCT_SIZE
#define FIXTURE_STRUCT_SIZE sizeof (SkoposTransportDescriptor)
#endif
#ifndef FIXTURE_NAME
#define FIXTURE_NAME FIXTURE_FILE_NAME
#endif

typedef struct
{
  char *text;
} FixtureRef;

G_GNUC_UNUSED static gboolean
fixture_parse (const char *text, gpointer *out_ref, GError **error)
{
  if (text == NULL || *text == '\0')
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE, "empty fixture reference");
  FixtureRef *ref = g_new0 (FixtureRef, 1);
  ref->text = g_strdup (text);
  *out_ref = ref;
  return TRUE;
}

static char *
fixture_to_string (gpointer ref)
{
  return g_strdup (((FixtureRef *) ref)->text);
}

static void
fixture_ref_free (gpointer ref)
{
  FixtureRef *r = ref;
  g_free (r->text);
  g_free (r);
}

static gboolean
fixture_open_source (gpointer ref, SkoposContext *ctx, GCancellable *cancellable,
                     gpointer *out_source, GError **error)
{
  return skopos_throw (error, SKOPOS_ERROR_NOT_FOUND, "fixture image '%s' does not exist",
                       ((FixtureRef *) ref)->text);
}

static gboolean
fixture_get_manifest (gpointer source, const char *instance_digest, GBytes **out_manifest,
                      char **out_media_type, GCancellable *cancellable, GError **error)
{
  return skopos_throw (error, SKOPOS_ERROR_NOT_FOUND, "no manifest");
}

static gboolean
fixture_get_blob (gpointer source, const SkoposBlobInfo *info, GInputStream **out_stream,
                  gint64 *out_size, GCancellable *cancellable, GError **error)
{
  return skopos_throw (error, SKOPOS_ERROR_NOT_FOUND, "no blob");
}

static void
fixture_source_free (gpointer source)
{
}

#ifdef FIXTURE_INIT_FAILS
static gboolean
fixture_init (GError **error)
{
  return skopos_throw (error, SKOPOS_ERROR_FAILED, "fixture refuses to start");
}
#endif

static const SkoposReferenceOps fixture_reference_ops = {
  .struct_size = sizeof (SkoposReferenceOps),
  .to_string = fixture_to_string,
  .docker_reference = NULL,
  .policy_identity = fixture_to_string,
  .open_source = fixture_open_source,
  .free = fixture_ref_free,
};

static const SkoposSourceOps fixture_source_ops = {
  .struct_size = sizeof (SkoposSourceOps),
  .get_manifest = fixture_get_manifest,
  .get_blob = fixture_get_blob,
  .free = fixture_source_free,
};

static const SkoposTransportDescriptor fixture_descriptor = {
  .abi_major = FIXTURE_ABI_MAJOR,
  .abi_minor = FIXTURE_ABI_MINOR,
  .struct_size = FIXTURE_STRUCT_SIZE,
  .name = FIXTURE_NAME,
  .summary = "Loader test fixture",
  .version = "1.2.3",
  .flags = SKOPOS_TRANSPORT_CAN_READ,
#ifdef FIXTURE_INIT_FAILS
  .init = fixture_init,
#endif
#ifndef FIXTURE_NO_PARSE_REFERENCE
  .parse_reference = fixture_parse,
#endif
  .reference_ops = &fixture_reference_ops,
  .source_ops = &fixture_source_ops,
};

#ifndef FIXTURE_NO_SYMBOL
SKOPOS_TRANSPORT_EXPORT const SkoposTransportDescriptor *
skopos_transport_get_descriptor (void)
{
  return &fixture_descriptor;
}
#else
/* Exported under another name: the loader must not find it. */
SKOPOS_TRANSPORT_EXPORT const SkoposTransportDescriptor *skopos_fixture_wrong_symbol (void);
const SkoposTransportDescriptor *
skopos_fixture_wrong_symbol (void)
{
  return &fixture_descriptor;
}
#endif
