/* dir-transport.c: the dir transport's descriptor, references and file names.
 *
 * "dir:PATH" names a folder holding one image as loose files, the format skopeo's
 * dir transport writes (containers/image directory/): a version file, manifest.json,
 * each blob under the hex part of its digest, signatures as signature-1,
 * signature-2, ..., and for the instances of a list HEX.manifest.json and
 * HEX.signature-N. The whole text after "dir:" is the path (it may hold colons).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "dir-private.h"

char *
dir_blob_name (const char *digest, GError **error)
{
  if (!skopos_digest_validate (digest, error))
    return NULL;
  /* Only the hex part, whatever the algorithm, as containers/image names them. */
  return g_strdup (skopos_digest_get_hex (digest));
}

char *
dir_manifest_name (const char *instance_digest, GError **error)
{
  if (instance_digest == NULL)
    return g_strdup (DIR_MANIFEST_FILE);
  if (!skopos_digest_validate (instance_digest, error))
    return NULL;
  return g_strconcat (skopos_digest_get_hex (instance_digest), ".manifest.json", NULL);
}

char *
dir_signature_name (const char *instance_digest, guint index, GError **error)
{
  if (instance_digest == NULL)
    return g_strdup_printf ("signature-%u", index + 1);
  if (!skopos_digest_validate (instance_digest, error))
    return NULL;
  return g_strdup_printf ("%s.signature-%u", skopos_digest_get_hex (instance_digest), index + 1);
}

static gboolean
dir_parse_reference (const char *text, gpointer *out_reference, GError **error)
{
  if (*text == '\0')
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "Invalid dir reference: the path is empty");

  DirReference *ref = g_new0 (DirReference, 1);
  ref->path = g_strdup (text);
  *out_reference = ref;
  return TRUE;
}

static char *
dir_to_string (gpointer reference)
{
  DirReference *ref = reference;

  return g_strdup (ref->path);
}

static char *
dir_docker_reference (gpointer reference)
{
  return NULL;
}

/* The folder's absolute path without symbolic links; the last component may not
 * exist yet. */
static char *
dir_policy_identity (gpointer reference)
{
  DirReference *ref = reference;
  return skopos_path_resolve (ref->path);
}

static void
dir_reference_free (gpointer reference)
{
  DirReference *ref = reference;

  if (ref == NULL)
    return;
  g_free (ref->path);
  g_free (ref);
}

static const SkoposReferenceOps dir_reference_ops = {
  .struct_size = sizeof (SkoposReferenceOps),
  .to_string = dir_to_string,
  .docker_reference = dir_docker_reference,
  .policy_identity = dir_policy_identity,
  .open_source = dir_open_source,
  .open_destination = dir_open_destination,
  .delete_image = NULL,
  .free = dir_reference_free,
};

static const SkoposTransportDescriptor dir_descriptor = {
  .abi_major = SKOPOS_TRANSPORT_ABI_MAJOR,
  .abi_minor = SKOPOS_TRANSPORT_ABI_MINOR,
  .struct_size = sizeof (SkoposTransportDescriptor),
  .name = "dir",
  .summary = "An image as loose files in a folder (dir:PATH)",
  .version = SKOPOS_VERSION_S,
  .flags = SKOPOS_TRANSPORT_CAN_READ | SKOPOS_TRANSPORT_CAN_WRITE
           | SKOPOS_TRANSPORT_HAS_SIGNATURES | SKOPOS_TRANSPORT_THREADSAFE_GET_BLOB
           | SKOPOS_TRANSPORT_THREADSAFE_PUT_BLOB,
  .parse_reference = dir_parse_reference,
  .reference_ops = &dir_reference_ops,
  .source_ops = &dir_source_ops,
  .destination_ops = &dir_destination_ops,
};

SKOPOS_TRANSPORT_EXPORT const SkoposTransportDescriptor *
skopos_transport_get_descriptor (void)
{
  return &dir_descriptor;
}
