/* skopos-manifest-serialize.c: writing manifests and lists as JSON.
 *
 * The goal is byte equality with skopeo: when skopos converts or edits a manifest,
 * the result must have the digest skopeo's result has, or mirrors made by the two
 * tools disagree and signatures stop matching. skopeo writes manifests with Go's
 * encoding/json from the containers/image and image-spec structs, so this file
 * reproduces exactly what that produces:
 *
 *  - compact output, no trailing newline;
 *  - fields in struct order, which differs between the formats (Docker descriptors
 *    put size before digest, OCI ones digest before size);
 *  - "omitempty" fields left out when empty (OCI mediaType, urls, annotations, data,
 *    platform, artifactType, subject, optional platform fields), everything else always
 *    written, including a Docker list entry's platform;
 *  - map keys (annotations) sorted bytewise;
 *  - strings escaped as Go escapes them, <, > and & included (see
 *    _skopos_json_append_string()).
 *
 * Docker schema 1 is never written: skopos reads it but does not produce it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include <skopos/skopos-error.h>
#include <skopos/skopos-manifest.h>

#include "skopos-manifest-private.h"

static const char hex_digits[] = "0123456789abcdef";

void
_skopos_json_append_string (GString *out, const char *s)
{
  gsize len = s != NULL ? strlen (s) : 0;
  gsize i = 0;

  g_string_append_c (out, '"');
  while (i < len)
    {
      guchar b = (guchar) s[i];

      if (b < 0x80)
        {
          switch (b)
            {
            case '"':
            case '\\':
              g_string_append_c (out, '\\');
              g_string_append_c (out, b);
              break;
            case '\n':
              g_string_append (out, "\\n");
              break;
            case '\r':
              g_string_append (out, "\\r");
              break;
            case '\t':
              g_string_append (out, "\\t");
              break;
            case '<':
            case '>':
            case '&':
              /* Go escapes these for HTML safety; the digest depends on it. */
              g_string_append (out, "\\u00");
              g_string_append_c (out, hex_digits[b >> 4]);
              g_string_append_c (out, hex_digits[b & 0xf]);
              break;
            default:
              if (b < 0x20)
                {
                  /* \b and \f too: the Go release skopeo 1.9 is built with spells
                   * every other control character this way. */
                  g_string_append (out, "\\u00");
                  g_string_append_c (out, hex_digits[b >> 4]);
                  g_string_append_c (out, hex_digits[b & 0xf]);
                }
              else
                g_string_append_c (out, b);
              break;
            }
          i++;
          continue;
        }

      gunichar c = g_utf8_get_char_validated (s + i, len - i);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* Go replaces each byte of a bad sequence on its own. */
          g_string_append (out, "\\ufffd");
          i++;
          continue;
        }

      gsize size = g_utf8_next_char (s + i) - (s + i);
      if (c == 0x2028 || c == 0x2029)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_len (out, s + i, size);
      i += size;
    }
  g_string_append_c (out, '"');
}

void
_skopos_append_go_quoted (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const char *p = s != NULL ? s : ""; *p != '\0'; p++)
    {
      guchar b = (guchar) *p;
      switch (b)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        default:
          if (b < 0x20 || b == 0x7f)
            g_string_append_printf (out, "\\x%02x", b);
          else
            g_string_append_c (out, b);
        }
    }
  g_string_append_c (out, '"');
}

char *
_skopos_go_quote (const char *s)
{
  GString *out = g_string_new (NULL);

  _skopos_append_go_quoted (out, s);
  return g_string_free (out, FALSE);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

void
_skopos_json_append_string_map (GString *out, GHashTable *map)
{
  g_autofree gpointer *keys = NULL;
  guint n = 0;

  g_string_append_c (out, '{');
  if (map != NULL)
    {
      keys = g_hash_table_get_keys_as_array (map, &n);
      qsort (keys, n, sizeof (gpointer), compare_strings);
      for (guint i = 0; i < n; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          _skopos_json_append_string (out, keys[i]);
          g_string_append_c (out, ':');
          _skopos_json_append_string (out, g_hash_table_lookup (map, keys[i]));
        }
    }
  g_string_append_c (out, '}');
}

static void
append_string_array (GString *out, char *const *strv)
{
  g_string_append_c (out, '[');
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      _skopos_json_append_string (out, strv[i]);
    }
  g_string_append_c (out, ']');
}

static gboolean
is_set (const char *s)
{
  return s != NULL && *s != '\0';
}

static gboolean
has_items (char *const *strv)
{
  return strv != NULL && strv[0] != NULL;
}

/* Appends `,"key":"value"` when value is not empty (Go's omitempty on a string). */
static void
append_optional_string (GString *out, const char *key, const char *value)
{
  if (!is_set (value))
    return;
  g_string_append_printf (out, ",\"%s\":", key);
  _skopos_json_append_string (out, value);
}

static void
append_optional_array (GString *out, const char *key, char *const *strv)
{
  if (!has_items (strv))
    return;
  g_string_append_printf (out, ",\"%s\":", key);
  append_string_array (out, strv);
}

static void
append_optional_map (GString *out, const char *key, GHashTable *map)
{
  if (map == NULL || g_hash_table_size (map) == 0)
    return;
  g_string_append_printf (out, ",\"%s\":", key);
  _skopos_json_append_string_map (out, map);
}

/* image-spec Platform: architecture, os, os.version, os.features, variant. Docker's
 * Schema2PlatformSpec is the same plus features at the end. */
static void
append_platform (GString *out, const SkoposPlatform *p, gboolean docker)
{
  g_string_append (out, "{\"architecture\":");
  _skopos_json_append_string (out, p != NULL ? p->architecture : NULL);
  g_string_append (out, ",\"os\":");
  _skopos_json_append_string (out, p != NULL ? p->os : NULL);
  if (p != NULL)
    {
      append_optional_string (out, "os.version", p->os_version);
      append_optional_array (out, "os.features", p->os_features);
      append_optional_string (out, "variant", p->variant);
      if (docker)
        append_optional_array (out, "features", p->features);
    }
  g_string_append_c (out, '}');
}

/* image-spec Descriptor: mediaType, digest, size, urls, annotations, data, platform,
 * artifactType. */
static void
append_oci_descriptor (GString *out, const SkoposDescriptor *d)
{
  g_string_append (out, "{\"mediaType\":");
  _skopos_json_append_string (out, d->media_type);
  g_string_append (out, ",\"digest\":");
  _skopos_json_append_string (out, d->digest);
  g_string_append_printf (out, ",\"size\":%" G_GINT64_FORMAT, d->size);
  append_optional_array (out, "urls", d->urls);
  append_optional_map (out, "annotations", d->annotations);
  if (d->data != NULL && g_bytes_get_size (d->data) > 0)
    {
      gsize len = 0;
      const guchar *data = g_bytes_get_data (d->data, &len);
      g_autofree char *b64 = g_base64_encode (data, len);

      g_string_append_printf (out, ",\"data\":\"%s\"", b64);
    }
  if (d->platform != NULL)
    {
      g_string_append (out, ",\"platform\":");
      append_platform (out, d->platform, FALSE);
    }
  append_optional_string (out, "artifactType", d->artifact_type);
  g_string_append_c (out, '}');
}

/* Docker Schema2Descriptor: mediaType, size, digest, urls; a list entry adds its
 * platform, which is not optional there. */
static void
append_docker_descriptor (GString *out, const SkoposDescriptor *d, gboolean list_entry)
{
  g_string_append (out, "{\"mediaType\":");
  _skopos_json_append_string (out, d->media_type);
  g_string_append_printf (out, ",\"size\":%" G_GINT64_FORMAT, d->size);
  g_string_append (out, ",\"digest\":");
  _skopos_json_append_string (out, d->digest);
  append_optional_array (out, "urls", d->urls);
  if (list_entry)
    {
      g_string_append (out, ",\"platform\":");
      append_platform (out, d->platform, TRUE);
    }
  g_string_append_c (out, '}');
}

static void
append_descriptor_array (GString *out, const char *key, GPtrArray *descs, gboolean docker,
                         gboolean list_entries)
{
  g_string_append_printf (out, ",\"%s\":[", key);
  for (guint i = 0; descs != NULL && i < descs->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      if (docker)
        append_docker_descriptor (out, descs->pdata[i], list_entries);
      else
        append_oci_descriptor (out, descs->pdata[i]);
    }
  g_string_append_c (out, ']');
}

GBytes *
skopos_manifest_serialize (const SkoposManifest *manifest, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  const char *mt;

  g_return_val_if_fail (manifest != NULL, NULL);

  mt = manifest->media_type;
  if (g_strcmp0 (mt, SKOPOS_MEDIA_TYPE_DOCKER_V2S1) == 0
      || g_strcmp0 (mt, SKOPOS_MEDIA_TYPE_DOCKER_V2S1_SIGNED) == 0)
    {
      skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                    "writing Docker schema 1 manifests is not supported");
      return NULL;
    }
  if (!skopos_media_type_is_manifest (mt))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                    "cannot serialise a manifest of unknown type \"%s\"", mt ? mt : "");
      return NULL;
    }
  if (!manifest->is_list && manifest->config == NULL)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                    "cannot serialise a %s manifest without a config", mt);
      return NULL;
    }

  g_string_append_printf (out, "{\"schemaVersion\":%d", manifest->schema_version);

  if (strcmp (mt, SKOPOS_MEDIA_TYPE_DOCKER_V2S2) == 0)
    {
      g_string_append (out, ",\"mediaType\":");
      _skopos_json_append_string (out, mt);
      g_string_append (out, ",\"config\":");
      append_docker_descriptor (out, manifest->config, FALSE);
      append_descriptor_array (out, "layers", manifest->layers, TRUE, FALSE);
    }
  else if (strcmp (mt, SKOPOS_MEDIA_TYPE_DOCKER_V2_LIST) == 0)
    {
      g_string_append (out, ",\"mediaType\":");
      _skopos_json_append_string (out, mt);
      append_descriptor_array (out, "manifests", manifest->manifests, TRUE, TRUE);
    }
  else
    {
      gboolean index = strcmp (mt, SKOPOS_MEDIA_TYPE_OCI_INDEX) == 0;

      if (index || !manifest->media_type_absent)
        {
          g_string_append (out, ",\"mediaType\":");
          _skopos_json_append_string (out, mt);
        }
      append_optional_string (out, "artifactType", manifest->artifact_type);
      if (index)
        append_descriptor_array (out, "manifests", manifest->manifests, FALSE, FALSE);
      else
        {
          g_string_append (out, ",\"config\":");
          append_oci_descriptor (out, manifest->config);
          append_descriptor_array (out, "layers", manifest->layers, FALSE, FALSE);
        }
      if (manifest->subject != NULL)
        {
          g_string_append (out, ",\"subject\":");
          append_oci_descriptor (out, manifest->subject);
        }
      append_optional_map (out, "annotations", manifest->annotations);
    }

  g_string_append_c (out, '}');
  return g_string_free_to_bytes (g_steal_pointer (&out));
}
