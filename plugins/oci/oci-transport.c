/* oci-transport.c: the oci transport's descriptor and its references.
 *
 * A reference is "PATH[:NAME]" or "PATH:@INDEX". As in containers/image, PATH ends
 * at the FIRST colon: everything after it is the name, which may itself contain
 * colons ("oci:/srv/l:repo:tag" names "repo:tag" in /srv/l), so a layout folder can
 * never have a colon in its path. NAME is matched against the
 * org.opencontainers.image.ref.name annotation of index.json entries and must follow
 * the grammar of that annotation; "@INDEX" picks an entry by its zero-based position
 * and is only accepted for reading and deleting.
 *
 * Parsing reads nothing from disk; the policy identity (the layout's absolute path
 * without symbolic links) is worked out when it is asked for.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "oci-private.h"

void
oci_reference_free (OciReference *ref)
{
  if (ref == NULL)
    return;
  g_free (ref->path);
  g_free (ref->image);
  g_free (ref);
}

static gboolean
is_ref_separator_char (char c)
{
  return c == '-' || c == '.' || c == '_' || c == ':' || c == '@' || c == '+';
}

/* One path component of a ref.name: runs of letters and digits joined by one
 * separator character or by "--". */
static gboolean
ref_component_is_valid (const char *s, gsize len)
{
  gsize i = 0;

  while (TRUE)
    {
      gsize run = 0;

      while (i < len && g_ascii_isalnum (s[i]))
        {
          i++;
          run++;
        }
      if (run == 0)
        return FALSE;
      if (i == len)
        return TRUE;

      if (s[i] == '-' && i + 1 < len && s[i + 1] == '-')
        i += 2;
      else if (is_ref_separator_char (s[i]))
        i++;
      else
        return FALSE;
    }
}

static gboolean
ref_name_is_valid (const char *name)
{
  g_auto (GStrv) components = g_strsplit (name, "/", -1);

  for (guint i = 0; components[i] != NULL; i++)
    {
      if (!ref_component_is_valid (components[i], strlen (components[i])))
        return FALSE;
    }
  return TRUE;
}

/* "@N": a zero-based index, written as Go's strconv.Atoi would accept it. */
static gboolean
parse_source_index (const char *text, const char *whole, gint64 *out_index, GError **error)
{
  const char *digits = text;

  if (*digits == '+' || *digits == '-')
    digits++;
  if (*digits == '\0' || strspn (digits, "0123456789") != strlen (digits))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "Invalid oci reference '%s': source index '@%s' is not an integer",
                         whole, text);

  gint64 value = 0;
  if (!g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &value, NULL))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "Invalid oci reference '%s': source index '@%s' is out of range",
                         whole, text);
  if (value < 0)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "Invalid oci reference '%s': source index @%" G_GINT64_FORMAT
                         " must not be negative", whole, value);

  *out_index = value;
  return TRUE;
}

static gboolean
oci_parse_reference (const char *text, gpointer *out_reference, GError **error)
{
  const char *colon = strchr (text, ':');
  g_autofree char *path = colon ? g_strndup (text, colon - text) : g_strdup (text);
  const char *image = colon ? colon + 1 : "";

  if (*path == '\0')
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "Invalid oci reference '%s': the layout path is empty", text);

  g_autoptr (OciReference) ref = g_new0 (OciReference, 1);
  ref->source_index = -1;

  if (image[0] == '@')
    {
      if (!parse_source_index (image + 1, text, &ref->source_index, error))
        return FALSE;
    }
  else if (*image != '\0')
    {
      if (!ref_name_is_valid (image))
        return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                             "Invalid oci reference '%s': '%s' is not a valid image name "
                             "(letters and digits joined by '-', '.', '_', ':', '@', '+', "
                             "'--' or '/')", text, image);
      ref->image = g_strdup (image);
    }

  ref->path = g_steal_pointer (&path);
  *out_reference = g_steal_pointer (&ref);
  return TRUE;
}

static char *
oci_to_string (gpointer reference)
{
  OciReference *ref = reference;

  /* As containers/image writes it: a bare PATH comes back as "PATH:". */
  if (ref->source_index >= 0)
    return g_strdup_printf ("%s:@%" G_GINT64_FORMAT, ref->path, ref->source_index);
  return g_strdup_printf ("%s:%s", ref->path, ref->image ? ref->image : "");
}

static char *
oci_docker_reference (gpointer reference)
{
  return NULL;
}

/* The name is not part of the identity: "PATH:x" and "PATH" may be the same image,
 * so policy scopes can only tell layouts apart. */
static char *
oci_policy_identity (gpointer reference)
{
  OciReference *ref = reference;

  return skopos_path_resolve (ref->path);
}

static void
oci_reference_free_handle (gpointer reference)
{
  oci_reference_free (reference);
}

static const SkoposReferenceOps oci_reference_ops = {
  .struct_size = sizeof (SkoposReferenceOps),
  .to_string = oci_to_string,
  .docker_reference = oci_docker_reference,
  .policy_identity = oci_policy_identity,
  .open_source = oci_open_source,
  .open_destination = oci_open_destination,
  .delete_image = oci_delete_image,
  .free = oci_reference_free_handle,
};

static const SkoposTransportDescriptor oci_descriptor = {
  .abi_major = SKOPOS_TRANSPORT_ABI_MAJOR,
  .abi_minor = SKOPOS_TRANSPORT_ABI_MINOR,
  .struct_size = sizeof (SkoposTransportDescriptor),
  .name = "oci",
  .summary = "Images in an OCI image layout folder (oci:PATH[:NAME])",
  .version = SKOPOS_VERSION_S,
  .flags = SKOPOS_TRANSPORT_CAN_READ | SKOPOS_TRANSPORT_CAN_WRITE | SKOPOS_TRANSPORT_CAN_DELETE
           | SKOPOS_TRANSPORT_THREADSAFE_GET_BLOB | SKOPOS_TRANSPORT_THREADSAFE_PUT_BLOB,
  .parse_reference = oci_parse_reference,
  .reference_ops = &oci_reference_ops,
  .source_ops = &oci_source_ops,
  .destination_ops = &oci_destination_ops,
};

SKOPOS_TRANSPORT_EXPORT const SkoposTransportDescriptor *
skopos_transport_get_descriptor (void)
{
  return &oci_descriptor;
}
