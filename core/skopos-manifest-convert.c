/* skopos-manifest-convert.c: converting between Docker schema 2 and OCI.
 *
 * The conversions are the ones containers/image makes, so that skopos and skopeo
 * produce the same bytes for the same input:
 *
 *  - OCI image → Docker schema 2: config and layer media types change, the config blob
 *    stays as it is; layer URLs are kept, annotations, subject and artifactType are
 *    dropped (Docker has no place for them). Refused: an artifact (config type other
 *    than the OCI image config, including a Docker config inside an OCI manifest),
 *    zstd or encrypted layers, unknown layer types.
 *  - Docker schema 2 → OCI: media types change and the config blob is rewritten:
 *    containers/image decodes the Docker config into the OCI image config struct and
 *    encodes it again, which keeps only the fields OCI defines. The rewrite here follows
 *    Go's decoder (case-insensitive keys, later keys win, objects merge, null clears
 *    only slices, maps and pointers) and the field order of the image-spec release the
 *    Debian 12 skopeo (1.9.3) is built with, where variant follows architecture; newer
 *    image-spec releases write it after os.features. Refused, beyond upstream: a Docker
 *    manifest whose config is not a Docker image config, since rewriting an unknown
 *    config would destroy it.
 *  - Docker manifest list ↔ OCI index: entries keep media type, size, digest, URLs
 *    and platform (the Docker-only "features" are dropped; an OCI entry without a
 *    platform gets this machine's os and architecture, as upstream does).
 *  - Docker schema 1 is never converted, in either direction.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include <skopos/skopos-digest.h>
#include <skopos/skopos-error.h>
#include <skopos/skopos-manifest.h>

#include "skopos-manifest-private.h"

/* ---- manifests ------------------------------------------------------------------------ */

static gboolean
is_schema1 (const char *media_type)
{
  return g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S1) == 0
         || g_strcmp0 (media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S1_SIGNED) == 0;
}

static SkoposManifest *
new_converted (const char *media_type, gboolean is_list)
{
  SkoposManifest *m = _skopos_manifest_new ();

  m->media_type = g_strdup (media_type);
  m->schema_version = 2;
  m->is_list = is_list;
  return m;
}

static SkoposDescriptor *
descriptor_with_type (const SkoposDescriptor *from, const char *media_type)
{
  SkoposDescriptor *d = skopos_descriptor_new (media_type, from->digest, from->size);

  d->urls = g_strdupv (from->urls);
  return d;
}

static SkoposManifest *
oci_to_docker (const SkoposManifest *src, GError **error)
{
  g_autoptr (SkoposManifest) m = NULL;
  const char *config_type = src->config != NULL ? src->config->media_type : NULL;

  if (g_strcmp0 (config_type, SKOPOS_MEDIA_TYPE_DOCKER_CONFIG) == 0)
    {
      skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                    "cannot convert to Docker schema 2: invalid mixed OCI image with Docker "
                    "v2s2 config (\"%s\")", config_type);
      return NULL;
    }
  if (g_strcmp0 (config_type, SKOPOS_MEDIA_TYPE_OCI_CONFIG) != 0)
    {
      const char *kind = src->artifact_type != NULL && *src->artifact_type != '\0'
                             ? src->artifact_type
                             : config_type;
      skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                    "cannot convert an OCI artifact (type \"%s\") to Docker schema 2: only "
                    "container images can be converted", kind != NULL ? kind : "");
      return NULL;
    }

  m = new_converted (SKOPOS_MEDIA_TYPE_DOCKER_V2S2, FALSE);
  m->config = descriptor_with_type (src->config, SKOPOS_MEDIA_TYPE_DOCKER_CONFIG);

  for (guint i = 0; i < src->layers->len; i++)
    {
      const SkoposDescriptor *layer = src->layers->pdata[i];
      const char *lt = layer->media_type != NULL ? layer->media_type : "";
      const char *docker_type = NULL;

      if (strcmp (lt, SKOPOS_MEDIA_TYPE_OCI_LAYER_ND) == 0)
        docker_type = SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER;
      else if (strcmp (lt, SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_GZIP) == 0)
        docker_type = SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER_GZIP;
      else if (strcmp (lt, SKOPOS_MEDIA_TYPE_OCI_LAYER) == 0)
        docker_type = SKOPOS_MEDIA_TYPE_DOCKER_LAYER;
      else if (strcmp (lt, SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP) == 0)
        docker_type = SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP;
      else if (strcmp (lt, SKOPOS_MEDIA_TYPE_OCI_LAYER_ZSTD) == 0
               || strcmp (lt, SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_ZSTD) == 0)
        {
          skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                        "cannot convert to Docker schema 2: layer %u (\"%s\"): zstd "
                        "compression is not supported for docker images", i, lt);
          return NULL;
        }
      else if (g_str_has_suffix (lt, "+encrypted"))
        {
          skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                        "cannot convert to Docker schema 2: layer %u: encrypted layers "
                        "(\"%s\") are not supported in docker images", i, lt);
          return NULL;
        }
      else
        {
          skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                        "cannot convert to Docker schema 2: layer %u has unknown media type "
                        "\"%s\"", i, lt);
          return NULL;
        }
      g_ptr_array_add (m->layers, descriptor_with_type (layer, docker_type));
    }
  return g_steal_pointer (&m);
}

static SkoposManifest *
docker_to_oci (const SkoposManifest *src, GError **error)
{
  g_autoptr (SkoposManifest) m = NULL;
  const char *config_type = src->config != NULL ? src->config->media_type : NULL;

  if (g_strcmp0 (config_type, SKOPOS_MEDIA_TYPE_DOCKER_CONFIG) != 0)
    {
      skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                    "cannot convert to OCI: the Docker schema 2 manifest's config has type "
                    "\"%s\", not a Docker image config", config_type ? config_type : "");
      return NULL;
    }

  m = new_converted (SKOPOS_MEDIA_TYPE_OCI_MANIFEST, FALSE);
  m->config = skopos_descriptor_new (SKOPOS_MEDIA_TYPE_OCI_CONFIG, src->config->digest,
                                     src->config->size);

  for (guint i = 0; i < src->layers->len; i++)
    {
      const SkoposDescriptor *layer = src->layers->pdata[i];
      const char *lt = layer->media_type != NULL ? layer->media_type : "";
      const char *oci_type = NULL;

      if (strcmp (lt, SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER) == 0)
        oci_type = SKOPOS_MEDIA_TYPE_OCI_LAYER_ND;
      else if (strcmp (lt, SKOPOS_MEDIA_TYPE_DOCKER_FOREIGN_LAYER_GZIP) == 0)
        oci_type = SKOPOS_MEDIA_TYPE_OCI_LAYER_ND_GZIP;
      else if (strcmp (lt, SKOPOS_MEDIA_TYPE_DOCKER_LAYER) == 0)
        oci_type = SKOPOS_MEDIA_TYPE_OCI_LAYER;
      else if (strcmp (lt, SKOPOS_MEDIA_TYPE_DOCKER_LAYER_GZIP) == 0)
        oci_type = SKOPOS_MEDIA_TYPE_OCI_LAYER_GZIP;
      else
        {
          skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                        "cannot convert to OCI: layer %u has unknown media type \"%s\"", i, lt);
          return NULL;
        }
      g_ptr_array_add (m->layers, descriptor_with_type (layer, oci_type));
    }
  return g_steal_pointer (&m);
}

static SkoposPlatform *
platform_without_features (const SkoposPlatform *p)
{
  SkoposPlatform *copy = skopos_platform_copy (p);

  g_clear_pointer (&copy->features, g_strfreev);
  return copy;
}

static SkoposManifest *
docker_list_to_oci_index (const SkoposManifest *src)
{
  SkoposManifest *m = new_converted (SKOPOS_MEDIA_TYPE_OCI_INDEX, TRUE);

  for (guint i = 0; i < src->manifests->len; i++)
    {
      const SkoposDescriptor *entry = src->manifests->pdata[i];
      SkoposDescriptor *d = descriptor_with_type (entry, entry->media_type);

      /* A Docker entry always has a platform (Go's zero value if the document had
       * none), and the OCI entry gets it as a pointer, so it is always written. */
      if (entry->platform != NULL)
        d->platform = platform_without_features (entry->platform);
      else
        {
          d->platform = g_new0 (SkoposPlatform, 1);
          d->platform->os = g_strdup ("");
          d->platform->architecture = g_strdup ("");
        }
      g_ptr_array_add (m->manifests, d);
    }
  return m;
}

static SkoposManifest *
oci_index_to_docker_list (const SkoposManifest *src)
{
  SkoposManifest *m = new_converted (SKOPOS_MEDIA_TYPE_DOCKER_V2_LIST, TRUE);

  for (guint i = 0; i < src->manifests->len; i++)
    {
      const SkoposDescriptor *entry = src->manifests->pdata[i];
      SkoposDescriptor *d = descriptor_with_type (entry, entry->media_type);

      if (entry->platform != NULL)
        d->platform = platform_without_features (entry->platform);
      else
        {
          /* Upstream fills in the platform it was built for; the closest thing here
           * is this machine's, without a variant. */
          d->platform = skopos_platform_new_for_runtime (NULL, NULL, NULL);
          g_clear_pointer (&d->platform->variant, g_free);
        }
      g_ptr_array_add (m->manifests, d);
    }
  return m;
}

SkoposManifest *
skopos_manifest_convert (const SkoposManifest *manifest, const char *target_media_type,
                         GError **error)
{
  const char *src;

  g_return_val_if_fail (manifest != NULL, NULL);

  src = manifest->media_type;
  if (!skopos_media_type_is_manifest (target_media_type))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                    "cannot convert to \"%s\": not a manifest media type",
                    target_media_type != NULL ? target_media_type : "");
      return NULL;
    }
  if (is_schema1 (src))
    {
      skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                    "converting Docker schema 1 manifests is not supported (skopos can "
                    "copy them unchanged but not convert them)");
      return NULL;
    }
  if (is_schema1 (target_media_type))
    {
      skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                    "converting to Docker schema 1 is not supported");
      return NULL;
    }
  if (manifest->is_list != skopos_media_type_is_list (target_media_type))
    {
      skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED,
                    "cannot convert %s to %s: %s", src, target_media_type,
                    manifest->is_list ? "a manifest list only converts to another list type"
                                      : "a single image does not convert to a list type");
      return NULL;
    }

  if (g_strcmp0 (src, target_media_type) == 0)
    return skopos_manifest_copy (manifest, FALSE);

  if (strcmp (target_media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S2) == 0
      && g_strcmp0 (src, SKOPOS_MEDIA_TYPE_OCI_MANIFEST) == 0)
    return oci_to_docker (manifest, error);
  if (strcmp (target_media_type, SKOPOS_MEDIA_TYPE_OCI_MANIFEST) == 0
      && g_strcmp0 (src, SKOPOS_MEDIA_TYPE_DOCKER_V2S2) == 0)
    return docker_to_oci (manifest, error);
  if (strcmp (target_media_type, SKOPOS_MEDIA_TYPE_OCI_INDEX) == 0
      && g_strcmp0 (src, SKOPOS_MEDIA_TYPE_DOCKER_V2_LIST) == 0)
    return docker_list_to_oci_index (manifest);
  if (strcmp (target_media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2_LIST) == 0
      && g_strcmp0 (src, SKOPOS_MEDIA_TYPE_OCI_INDEX) == 0)
    return oci_index_to_docker_list (manifest);

  skopos_throw (error, SKOPOS_ERROR_NOT_SUPPORTED, "converting %s to %s is not supported",
                src != NULL ? src : "(unknown type)", target_media_type);
  return NULL;
}

gboolean
skopos_manifest_can_convert (const SkoposManifest *manifest, const char *target_media_type,
                             GError **error)
{
  g_autoptr (SkoposManifest) converted = NULL;

  g_return_val_if_fail (manifest != NULL, FALSE);

  /* Manifests are small; doing the conversion is the surest way to give the same
   * answer as doing it. */
  converted = skopos_manifest_convert (manifest, target_media_type, error);
  return converted != NULL;
}

SkoposManifest *
skopos_manifest_convert_with_config (const SkoposManifest *manifest,
                                     const char *target_media_type, GBytes *config,
                                     GBytes **out_config, GError **error)
{
  g_autoptr (SkoposManifest) converted = NULL;
  g_autoptr (GBytes) new_config = NULL;

  g_return_val_if_fail (manifest != NULL, NULL);
  g_return_val_if_fail (out_config != NULL, NULL);

  *out_config = NULL;
  converted = skopos_manifest_convert (manifest, target_media_type, error);
  if (converted == NULL)
    return NULL;

  if (g_strcmp0 (manifest->media_type, SKOPOS_MEDIA_TYPE_DOCKER_V2S2) != 0
      || g_strcmp0 (target_media_type, SKOPOS_MEDIA_TYPE_OCI_MANIFEST) != 0)
    return g_steal_pointer (&converted);

  if (config == NULL)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                    "converting Docker schema 2 to OCI needs the image config");
      return NULL;
    }

  g_autofree char *algorithm = skopos_digest_dup_algorithm (manifest->config->digest);
  g_autofree char *actual = algorithm != NULL ? skopos_digest_compute_bytes (algorithm, config)
                                              : NULL;
  if (g_strcmp0 (actual, manifest->config->digest) != 0)
    {
      skopos_throw (error, SKOPOS_ERROR_DIGEST_MISMATCH,
                    "the config given for conversion has digest %s, the manifest names %s",
                    actual != NULL ? actual : "(none)", manifest->config->digest);
      return NULL;
    }

  new_config = skopos_manifest_convert_config_to_oci (config, error);
  if (new_config == NULL)
    return NULL;

  g_autofree char *digest = skopos_digest_compute_bytes ("sha256", new_config);
  g_autoptr (SkoposDescriptor) desc
      = skopos_descriptor_new (SKOPOS_MEDIA_TYPE_OCI_CONFIG, digest,
                               (gint64) g_bytes_get_size (new_config));
  skopos_manifest_set_config (converted, desc);
  *out_config = g_steal_pointer (&new_config);
  return g_steal_pointer (&converted);
}

/* ---- the image config ------------------------------------------------------------------
 *
 * A small model of Go's decoder for the few types the OCI image config uses. Values
 * are decoded into GoStructs field by field in document order, so that repeated or
 * differently-cased keys end as they do in Go, then written in struct order with Go's
 * omitempty rules. */

typedef enum
{
  KIND_STRING,      /* string */
  KIND_BOOL,        /* bool */
  KIND_TIME,        /* *time.Time */
  KIND_STRINGS,     /* []string */
  KIND_STRING_MAP,  /* map[string]string */
  KIND_SET,         /* map[string]struct{} */
  KIND_STRUCT,      /* a nested struct */
  KIND_STRUCT_LIST, /* []struct */
} Kind;

typedef struct StructSpec StructSpec;

typedef struct
{
  const char *name;
  Kind kind;
  gboolean omitempty;
  const StructSpec *sub;
} FieldSpec;

struct StructSpec
{
  const FieldSpec *fields;
  gsize n_fields;
};

typedef struct GoStruct GoStruct;

typedef struct
{
  char *str;          /* STRING; TIME as formatted text, NULL for a nil pointer */
  gboolean boolean;   /* BOOL */
  GPtrArray *strings; /* STRINGS; NULL for nil */
  GHashTable *map;    /* STRING_MAP, SET; NULL for nil */
  GoStruct *object;   /* STRUCT, always allocated */
  GPtrArray *list;    /* STRUCT_LIST of GoStruct*; NULL for nil */
} GoValue;

struct GoStruct
{
  const StructSpec *spec;
  GoValue *values;
};

static const FieldSpec history_fields[] = {
  { "created", KIND_TIME, TRUE, NULL },
  { "created_by", KIND_STRING, TRUE, NULL },
  { "author", KIND_STRING, TRUE, NULL },
  { "comment", KIND_STRING, TRUE, NULL },
  { "empty_layer", KIND_BOOL, TRUE, NULL },
};
static const StructSpec history_spec = { history_fields, G_N_ELEMENTS (history_fields) };

static const FieldSpec rootfs_fields[] = {
  { "type", KIND_STRING, FALSE, NULL },
  { "diff_ids", KIND_STRINGS, FALSE, NULL },
};
static const StructSpec rootfs_spec = { rootfs_fields, G_N_ELEMENTS (rootfs_fields) };

static const FieldSpec image_config_fields[] = {
  { "User", KIND_STRING, TRUE, NULL },
  { "ExposedPorts", KIND_SET, TRUE, NULL },
  { "Env", KIND_STRINGS, TRUE, NULL },
  { "Entrypoint", KIND_STRINGS, TRUE, NULL },
  { "Cmd", KIND_STRINGS, TRUE, NULL },
  { "Volumes", KIND_SET, TRUE, NULL },
  { "WorkingDir", KIND_STRING, TRUE, NULL },
  { "Labels", KIND_STRING_MAP, TRUE, NULL },
  { "StopSignal", KIND_STRING, TRUE, NULL },
  { "ArgsEscaped", KIND_BOOL, TRUE, NULL },
};
static const StructSpec image_config_spec = { image_config_fields,
                                              G_N_ELEMENTS (image_config_fields) };

/* "config" is omitempty in the struct, which Go ignores for a struct value: it is
 * always written. */
static const FieldSpec image_fields[] = {
  { "created", KIND_TIME, TRUE, NULL },
  { "author", KIND_STRING, TRUE, NULL },
  { "architecture", KIND_STRING, FALSE, NULL },
  { "variant", KIND_STRING, TRUE, NULL },
  { "os", KIND_STRING, FALSE, NULL },
  { "os.version", KIND_STRING, TRUE, NULL },
  { "os.features", KIND_STRINGS, TRUE, NULL },
  { "config", KIND_STRUCT, FALSE, &image_config_spec },
  { "rootfs", KIND_STRUCT, FALSE, &rootfs_spec },
  { "history", KIND_STRUCT_LIST, TRUE, &history_spec },
};
static const StructSpec image_spec = { image_fields, G_N_ELEMENTS (image_fields) };

static void go_struct_free (GoStruct *s);

static void
go_value_clear (GoValue *v)
{
  g_clear_pointer (&v->str, g_free);
  g_clear_pointer (&v->strings, g_ptr_array_unref);
  g_clear_pointer (&v->map, g_hash_table_unref);
  g_clear_pointer (&v->object, go_struct_free);
  g_clear_pointer (&v->list, g_ptr_array_unref);
}

static GoStruct *
go_struct_new (const StructSpec *spec)
{
  GoStruct *s = g_new0 (GoStruct, 1);

  s->spec = spec;
  s->values = g_new0 (GoValue, spec->n_fields);
  for (gsize i = 0; i < spec->n_fields; i++)
    if (spec->fields[i].kind == KIND_STRUCT)
      s->values[i].object = go_struct_new (spec->fields[i].sub);
  return s;
}

static void
go_struct_free (GoStruct *s)
{
  if (s == NULL)
    return;
  for (gsize i = 0; i < s->spec->n_fields; i++)
    go_value_clear (&s->values[i]);
  g_free (s->values);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GoStruct, go_struct_free)

static gboolean
config_error (GError **error, const char *field, const char *what)
{
  return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                       "converting the image config to OCI: \"%s\" %s", field, what);
}

static int
days_in_month (int year, int month)
{
  static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

  if (month == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
    return 29;
  return days[month - 1];
}

static gboolean
read_digits (const char **p, int count, int *out)
{
  int value = 0;

  for (int i = 0; i < count; i++)
    {
      if (!g_ascii_isdigit ((*p)[i]))
        return FALSE;
      value = value * 10 + ((*p)[i] - '0');
    }
  *p += count;
  *out = value;
  return TRUE;
}

/* Parses an RFC 3339 time as Go's time.Time decoder does and writes it back as Go's
 * encoder does (RFC 3339 with nanoseconds, trailing zeros dropped, "Z" for a zero
 * offset, any other offset kept). */
char *
_skopos_go_time_normalize (const char *text, GError **error)
{
  const char *p = text;
  int year, month, day, hour, minute, second;
  char fraction[10] = "000000000";
  int offset_minutes = 0;

  if (!read_digits (&p, 4, &year) || *p++ != '-' || !read_digits (&p, 2, &month)
      || *p++ != '-' || !read_digits (&p, 2, &day) || *p++ != 'T'
      || !read_digits (&p, 2, &hour) || *p++ != ':' || !read_digits (&p, 2, &minute)
      || *p++ != ':' || !read_digits (&p, 2, &second))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "\"%s\" is not an RFC 3339 time",
                         text), NULL;

  if (month < 1 || month > 12)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "\"%s\": month out of range", text),
           NULL;
  if (day < 1 || day > days_in_month (year, month))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "\"%s\": day out of range", text),
           NULL;
  if (hour > 23 || minute > 59 || second > 59)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "\"%s\": time out of range", text),
           NULL;

  if ((*p == '.' || *p == ',') && g_ascii_isdigit (p[1]))
    {
      p++;
      /* Go keeps nanoseconds and drops further digits without rounding. */
      for (int i = 0; g_ascii_isdigit (*p); i++, p++)
        if (i < 9)
          fraction[i] = *p;
    }

  if (*p == 'Z')
    p++;
  else if (*p == '+' || *p == '-')
    {
      int sign = *p == '-' ? -1 : 1;
      int oh, om;

      p++;
      if (!read_digits (&p, 2, &oh) || *p++ != ':' || !read_digits (&p, 2, &om))
        return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "\"%s\": bad time zone", text),
               NULL;
      offset_minutes = sign * (oh * 60 + om);
    }
  else
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "\"%s\": no time zone", text), NULL;

  if (*p != '\0')
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "\"%s\": extra text after the time",
                         text), NULL;

  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour,
                          minute, second);

  int frac_len = 9;
  while (frac_len > 0 && fraction[frac_len - 1] == '0')
    frac_len--;
  if (frac_len > 0)
    g_string_append_printf (out, ".%.*s", frac_len, fraction);

  if (offset_minutes == 0)
    g_string_append_c (out, 'Z');
  else
    {
      int abs_minutes = ABS (offset_minutes);
      g_string_append_printf (out, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+',
                              abs_minutes / 60, abs_minutes % 60);
    }
  return g_string_free (out, FALSE);
}

static gboolean decode_struct (GoStruct *target, JsonObject *obj, GError **error);

static gboolean
decode_string_list (JsonNode *node, const char *name, GPtrArray **out, GError **error)
{
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return config_error (error, name, "is not an array");

  JsonArray *array = json_node_get_array (node);
  g_autoptr (GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      if (JSON_NODE_HOLDS_NULL (item))
        g_ptr_array_add (strings, g_strdup (""));
      else if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
        g_ptr_array_add (strings, g_strdup (json_node_get_string (item)));
      else
        return config_error (error, name, "has an element that is not a string");
    }
  g_clear_pointer (out, g_ptr_array_unref);
  *out = g_steal_pointer (&strings);
  return TRUE;
}

static gboolean
decode_map (JsonNode *node, const char *name, gboolean set, GHashTable **map, GError **error)
{
  g_autoptr (GList) members = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return config_error (error, name, "is not an object");

  /* Go decodes into the map already there, so repeated keys add up. */
  if (*map == NULL)
    *map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  JsonObject *obj = json_node_get_object (node);
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (obj, l->data);
      gboolean is_string = JSON_NODE_HOLDS_VALUE (value)
                           && json_node_get_value_type (value) == G_TYPE_STRING;

      if (set && !JSON_NODE_HOLDS_OBJECT (value) && !JSON_NODE_HOLDS_NULL (value))
        return config_error (error, name, "has a value that is not an object");
      if (!set && !is_string && !JSON_NODE_HOLDS_NULL (value))
        return config_error (error, name, "has a value that is not a string");
      g_hash_table_insert (*map, g_strdup (l->data),
                           g_strdup (is_string && !set ? json_node_get_string (value) : ""));
    }
  return TRUE;
}

static gboolean
decode_field (const FieldSpec *f, GoValue *v, JsonNode *node, GError **error)
{
  gboolean is_null = JSON_NODE_HOLDS_NULL (node);
  gboolean is_string = JSON_NODE_HOLDS_VALUE (node)
                       && json_node_get_value_type (node) == G_TYPE_STRING;

  switch (f->kind)
    {
    case KIND_STRING:
      if (is_null)
        return TRUE; /* null leaves a Go string as it was */
      if (!is_string)
        return config_error (error, f->name, "is not a string");
      g_free (v->str);
      v->str = g_strdup (json_node_get_string (node));
      return TRUE;

    case KIND_BOOL:
      if (is_null)
        return TRUE;
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return config_error (error, f->name, "is not a boolean");
      v->boolean = json_node_get_boolean (node);
      return TRUE;

    case KIND_TIME:
      {
        char *normalized;

        if (is_null)
          {
            g_clear_pointer (&v->str, g_free);
            return TRUE;
          }
        if (!is_string)
          return config_error (error, f->name, "is not a time string");
        normalized = _skopos_go_time_normalize (json_node_get_string (node), error);
        if (normalized == NULL)
          return skopos_prefix_error (error, "converting the image config to OCI: \"%s\": ",
                                      f->name);
        g_free (v->str);
        v->str = normalized;
        return TRUE;
      }

    case KIND_STRINGS:
      if (is_null)
        {
          g_clear_pointer (&v->strings, g_ptr_array_unref);
          return TRUE;
        }
      return decode_string_list (node, f->name, &v->strings, error);

    case KIND_STRING_MAP:
    case KIND_SET:
      if (is_null)
        {
          g_clear_pointer (&v->map, g_hash_table_unref);
          return TRUE;
        }
      return decode_map (node, f->name, f->kind == KIND_SET, &v->map, error);

    case KIND_STRUCT:
      if (is_null)
        return TRUE;
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return config_error (error, f->name, "is not an object");
      return decode_struct (v->object, json_node_get_object (node), error);

    case KIND_STRUCT_LIST:
      {
        if (is_null)
          {
            g_clear_pointer (&v->list, g_ptr_array_unref);
            return TRUE;
          }
        if (!JSON_NODE_HOLDS_ARRAY (node))
          return config_error (error, f->name, "is not an array");

        JsonArray *array = json_node_get_array (node);
        g_autoptr (GPtrArray) list
            = g_ptr_array_new_with_free_func ((GDestroyNotify) go_struct_free);
        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            JsonNode *item = json_array_get_element (array, i);
            GoStruct *s = go_struct_new (f->sub);

            g_ptr_array_add (list, s);
            if (JSON_NODE_HOLDS_NULL (item))
              continue;
            if (!JSON_NODE_HOLDS_OBJECT (item))
              return config_error (error, f->name, "has an element that is not an object");
            if (!decode_struct (s, json_node_get_object (item), error))
              return FALSE;
          }
        g_clear_pointer (&v->list, g_ptr_array_unref);
        v->list = g_steal_pointer (&list);
        return TRUE;
      }
    }
  return TRUE;
}

static gboolean
decode_struct (GoStruct *target, JsonObject *obj, GError **error)
{
  g_autoptr (GList) members = json_object_get_members (obj);
  const StructSpec *spec = target->spec;

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      gssize field = -1;

      /* Go matches a key to the field of that exact name, else to the first field
       * whose name differs only in case; unknown keys are ignored. */
      for (gsize i = 0; i < spec->n_fields && field < 0; i++)
        if (strcmp (spec->fields[i].name, key) == 0)
          field = (gssize) i;
      for (gsize i = 0; i < spec->n_fields && field < 0; i++)
        if (g_ascii_strcasecmp (spec->fields[i].name, key) == 0)
          field = (gssize) i;
      if (field < 0)
        continue;

      if (!decode_field (&spec->fields[field], &target->values[field],
                         json_object_get_member (obj, key), error))
        return FALSE;
    }
  return TRUE;
}

static void encode_struct (GString *out, const GoStruct *s);

static gboolean
field_is_empty (const FieldSpec *f, const GoValue *v)
{
  switch (f->kind)
    {
    case KIND_STRING:
    case KIND_TIME:
      return v->str == NULL || (f->kind == KIND_STRING && *v->str == '\0');
    case KIND_BOOL:
      return !v->boolean;
    case KIND_STRINGS:
      return v->strings == NULL || v->strings->len == 0;
    case KIND_STRING_MAP:
    case KIND_SET:
      return v->map == NULL || g_hash_table_size (v->map) == 0;
    case KIND_STRUCT:
      return FALSE;
    case KIND_STRUCT_LIST:
      return v->list == NULL || v->list->len == 0;
    }
  return FALSE;
}

static gint
compare_keys (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
encode_value (GString *out, const FieldSpec *f, const GoValue *v)
{
  switch (f->kind)
    {
    case KIND_STRING:
    case KIND_TIME:
      _skopos_json_append_string (out, v->str);
      break;
    case KIND_BOOL:
      g_string_append (out, v->boolean ? "true" : "false");
      break;
    case KIND_STRINGS:
      if (v->strings == NULL)
        {
          g_string_append (out, "null");
          break;
        }
      g_string_append_c (out, '[');
      for (guint i = 0; i < v->strings->len; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          _skopos_json_append_string (out, v->strings->pdata[i]);
        }
      g_string_append_c (out, ']');
      break;
    case KIND_STRING_MAP:
      _skopos_json_append_string_map (out, v->map);
      break;
    case KIND_SET:
      {
        g_autofree gpointer *keys = NULL;
        guint n = 0;

        g_string_append_c (out, '{');
        if (v->map != NULL)
          {
            keys = g_hash_table_get_keys_as_array (v->map, &n);
            qsort (keys, n, sizeof (gpointer), compare_keys);
          }
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            _skopos_json_append_string (out, keys[i]);
            g_string_append (out, ":{}");
          }
        g_string_append_c (out, '}');
        break;
      }
    case KIND_STRUCT:
      encode_struct (out, v->object);
      break;
    case KIND_STRUCT_LIST:
      if (v->list == NULL)
        {
          g_string_append (out, "null");
          break;
        }
      g_string_append_c (out, '[');
      for (guint i = 0; i < v->list->len; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          encode_struct (out, v->list->pdata[i]);
        }
      g_string_append_c (out, ']');
      break;
    }
}

static void
encode_struct (GString *out, const GoStruct *s)
{
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  for (gsize i = 0; i < s->spec->n_fields; i++)
    {
      const FieldSpec *f = &s->spec->fields[i];

      if (f->omitempty && field_is_empty (f, &s->values[i]))
        continue;
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      _skopos_json_append_string (out, f->name);
      g_string_append_c (out, ':');
      encode_value (out, f, &s->values[i]);
    }
  g_string_append_c (out, '}');
}

GBytes *
skopos_manifest_convert_config_to_oci (GBytes *docker_config, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GoStruct) image = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  gsize len = 0;
  const char *data;

  g_return_val_if_fail (docker_config != NULL, NULL);

  data = g_bytes_get_data (docker_config, &len);
  if (len == 0 || !json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "converting the image config to OCI: not valid JSON: %s",
                    local_error != NULL ? local_error->message : "empty document");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                    "converting the image config to OCI: not a JSON object");
      return NULL;
    }

  image = go_struct_new (&image_spec);
  if (!decode_struct (image, json_node_get_object (json_parser_get_root (parser)), error))
    return NULL;

  /* Go's time encoder refuses years it cannot write in four digits; the decoder above
   * only reads four-digit years, so every parsed time can be written. */
  encode_struct (out, image);
  return g_string_free_to_bytes (g_steal_pointer (&out));
}
