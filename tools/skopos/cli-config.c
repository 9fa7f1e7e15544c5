/* cli-config.c: image configurations decoded with Go's json.Unmarshal rules, so that
 * `inspect` and `inspect --config` print what skopeo prints (see cli-config.h).
 *
 * The rules that matter for real configurations:
 * - a key matches a field exactly or, failing that, ignoring ASCII case; when several
 *   keys match, the last one in the document wins;
 * - null leaves a field as it was (nil for slices, maps and pointers);
 * - a value of the wrong JSON type fails the whole decode;
 * - time.Time keeps the offset it was written with; it is printed back as RFC 3339
 *   with nanoseconds (trailing zeros dropped, "Z" for UTC).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include "cli-config.h"

#include <skopos/skopos.h>
#include <string.h>

void
cli_inspect_info_clear (CliInspectInfo *info)
{
  g_clear_pointer (&info->created, cli_value_free);
  g_clear_pointer (&info->docker_version, g_free);
  g_clear_pointer (&info->labels, cli_value_free);
  g_clear_pointer (&info->architecture, g_free);
  g_clear_pointer (&info->variant, g_free);
  g_clear_pointer (&info->os, g_free);
  g_clear_pointer (&info->env, cli_value_free);
}

/* ---- json.Unmarshal ------------------------------------------------------------- */

/* The member Go would store into field @name: exact or case-insensitive, last wins. */
static JsonNode *
member (JsonObject *object, const char *name)
{
  g_autoptr (GList) members = NULL;
  JsonNode *found = NULL;

  if (object == NULL)
    return NULL;
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    if (g_ascii_strcasecmp (l->data, name) == 0)
      found = json_object_get_member (object, l->data);
  return found;
}

static const char *
json_kind (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "array";
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "string";
    case G_TYPE_BOOLEAN:
      return "bool";
    default:
      return "number";
    }
}

static gboolean
type_error (JsonNode *node, const char *field, const char *go_type, GError **error)
{
  g_set_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA,
               "json: cannot unmarshal %s into Go struct field %s of type %s", json_kind (node),
               field, go_type);
  return FALSE;
}

static gboolean
is_null (JsonNode *node)
{
  return node == NULL || JSON_NODE_HOLDS_NULL (node);
}

static gboolean
is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
decode_string (JsonNode *node, const char *field, char **out, GError **error)
{
  if (is_null (node))
    return TRUE;
  if (!is_string (node))
    return type_error (node, field, "string", error);
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
decode_bool (JsonNode *node, const char *field, gboolean *out, GError **error)
{
  if (is_null (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return type_error (node, field, "bool", error);
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* @out starts as a nil list; a JSON null keeps it nil. */
static gboolean
decode_string_list (JsonNode *node, const char *field, const char *go_type, CliValue **out,
                    GError **error)
{
  JsonArray *array;

  if (node == NULL)
    return TRUE;
  cli_value_free (*out);
  *out = cli_value_new_list (TRUE);
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return type_error (node, field, go_type, error);

  array = json_node_get_array (node);
  g_clear_pointer (out, cli_value_free);
  *out = cli_value_new_list (FALSE);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autofree char *text = NULL;

      if (!decode_string (element, field, &text, error))
        return FALSE;
      cli_value_list_append (*out, cli_value_new_string (text));
    }
  return TRUE;
}

/* map[string]string, or map[string]struct{} when @empty_structs. */
static gboolean
decode_map (JsonNode *node, const char *field, gboolean empty_structs, CliValue **out,
            GError **error)
{
  const char *go_type = empty_structs ? "map[string]struct {}" : "map[string]string";
  JsonObject *object;
  g_autoptr (GList) members = NULL;

  if (node == NULL)
    return TRUE;
  cli_value_free (*out);
  *out = cli_value_new_map (TRUE, empty_structs ? CLI_VALUE_STRUCT : CLI_VALUE_STRING);
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return type_error (node, field, go_type, error);

  object = json_node_get_object (node);
  g_clear_pointer (out, cli_value_free);
  *out = cli_value_new_map (FALSE, empty_structs ? CLI_VALUE_STRUCT : CLI_VALUE_STRING);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (object, l->data);

      if (empty_structs)
        {
          if (!is_null (value) && !JSON_NODE_HOLDS_OBJECT (value))
            return type_error (value, field, "struct {}", error);
          cli_value_map_insert (*out, l->data, cli_value_new_struct ("struct {}"));
        }
      else
        {
          g_autofree char *text = NULL;

          if (!decode_string (value, field, &text, error))
            return FALSE;
          cli_value_map_insert (*out, l->data, cli_value_new_string (text));
        }
    }
  return TRUE;
}

/* A *time.Time (@pointer) or time.Time field; @out holds the current value. */
static gboolean
decode_time (JsonNode *node, const char *field, CliValue **out, GError **error)
{
  CliValue *parsed;

  if (is_null (node))
    return TRUE;
  if (!is_string (node))
    return type_error (node, field, "time.Time", error);
  parsed = cli_value_new_go_time (json_node_get_string (node), error);
  if (parsed == NULL)
    return FALSE;
  cli_value_free (*out);
  *out = parsed;
  return TRUE;
}

static gboolean
check_object (JsonNode *node, const char *field, const char *go_type, GError **error)
{
  if (is_null (node) || JSON_NODE_HOLDS_OBJECT (node))
    return TRUE;
  return type_error (node, field, go_type, error);
}

static JsonObject *
object_of (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonParser *
parse_document (GBytes *data, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *text = g_bytes_get_data (data, &len);

  if (!json_parser_load_from_data (parser, text != NULL ? text : "", (gssize) len, error))
    return NULL;
  if (json_parser_get_root (parser) == NULL
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA,
                   "json: cannot unmarshal %s into Go value of type v1.Image",
                   json_parser_get_root (parser) != NULL
                       ? json_kind (json_parser_get_root (parser))
                       : "nothing");
      return NULL;
    }
  return g_steal_pointer (&parser);
}

/* ---- The OCI Image struct --------------------------------------------------------- */

static CliValue *
decode_history_entry (JsonNode *node, GError **error)
{
  JsonObject *object = object_of (node);
  g_autoptr (CliValue) created = cli_value_new_nil_time ();
  g_autofree char *created_by = NULL;
  g_autofree char *author = NULL;
  g_autofree char *comment = NULL;
  gboolean empty_layer = FALSE;
  CliValue *entry;

  if (!check_object (node, "Image.history", "v1.History", error)
      || !decode_time (member (object, "created"), "Image.history.created", &created, error)
      || !decode_string (member (object, "created_by"), "Image.history.created_by", &created_by,
                         error)
      || !decode_string (member (object, "author"), "Image.history.author", &author, error)
      || !decode_string (member (object, "comment"), "Image.history.comment", &comment, error)
      || !decode_bool (member (object, "empty_layer"), "Image.history.empty_layer", &empty_layer,
                       error))
    return NULL;

  entry = cli_value_new_struct ("v1.History");
  cli_value_struct_add (entry, "Created", "created", TRUE, g_steal_pointer (&created));
  cli_value_struct_add (entry, "CreatedBy", "created_by", TRUE, cli_value_new_string (created_by));
  cli_value_struct_add (entry, "Author", "author", TRUE, cli_value_new_string (author));
  cli_value_struct_add (entry, "Comment", "comment", TRUE, cli_value_new_string (comment));
  cli_value_struct_add (entry, "EmptyLayer", "empty_layer", TRUE, cli_value_new_bool (empty_layer));
  return entry;
}

static CliValue *
decode_image_config (JsonNode *node, GError **error)
{
  JsonObject *object = object_of (node);
  g_autofree char *user = NULL;
  g_autofree char *working_dir = NULL;
  g_autofree char *stop_signal = NULL;
  gboolean args_escaped = FALSE;
  g_autoptr (CliValue) ports = cli_value_new_map (TRUE, CLI_VALUE_STRUCT);
  g_autoptr (CliValue) env = cli_value_new_list (TRUE);
  g_autoptr (CliValue) entrypoint = cli_value_new_list (TRUE);
  g_autoptr (CliValue) cmd = cli_value_new_list (TRUE);
  g_autoptr (CliValue) volumes = cli_value_new_map (TRUE, CLI_VALUE_STRUCT);
  g_autoptr (CliValue) labels = cli_value_new_map (TRUE, CLI_VALUE_STRING);
  CliValue *config;

  if (!check_object (node, "Image.config", "v1.ImageConfig", error)
      || !decode_string (member (object, "User"), "Image.config.User", &user, error)
      || !decode_map (member (object, "ExposedPorts"), "Image.config.ExposedPorts", TRUE, &ports,
                      error)
      || !decode_string_list (member (object, "Env"), "Image.config.Env", "[]string", &env, error)
      || !decode_string_list (member (object, "Entrypoint"), "Image.config.Entrypoint",
                              "[]string", &entrypoint, error)
      || !decode_string_list (member (object, "Cmd"), "Image.config.Cmd", "[]string", &cmd, error)
      || !decode_map (member (object, "Volumes"), "Image.config.Volumes", TRUE, &volumes, error)
      || !decode_string (member (object, "WorkingDir"), "Image.config.WorkingDir", &working_dir,
                         error)
      || !decode_map (member (object, "Labels"), "Image.config.Labels", FALSE, &labels, error)
      || !decode_string (member (object, "StopSignal"), "Image.config.StopSignal", &stop_signal,
                         error)
      || !decode_bool (member (object, "ArgsEscaped"), "Image.config.ArgsEscaped", &args_escaped,
                       error))
    return NULL;

  config = cli_value_new_struct ("v1.ImageConfig");
  cli_value_struct_add (config, "User", NULL, TRUE, cli_value_new_string (user));
  cli_value_struct_add (config, "ExposedPorts", NULL, TRUE, g_steal_pointer (&ports));
  cli_value_struct_add (config, "Env", NULL, TRUE, g_steal_pointer (&env));
  cli_value_struct_add (config, "Entrypoint", NULL, TRUE, g_steal_pointer (&entrypoint));
  cli_value_struct_add (config, "Cmd", NULL, TRUE, g_steal_pointer (&cmd));
  cli_value_struct_add (config, "Volumes", NULL, TRUE, g_steal_pointer (&volumes));
  cli_value_struct_add (config, "WorkingDir", NULL, TRUE, cli_value_new_string (working_dir));
  cli_value_struct_add (config, "Labels", NULL, TRUE, g_steal_pointer (&labels));
  cli_value_struct_add (config, "StopSignal", NULL, TRUE, cli_value_new_string (stop_signal));
  /* Debian's image-spec (1.1.0-rc) has it; the one vendored upstream at 1.9.3 did not. */
  cli_value_struct_add (config, "ArgsEscaped", NULL, TRUE, cli_value_new_bool (args_escaped));
  return config;
}

static CliValue *
decode_oci_image (JsonObject *root, GError **error)
{
  g_autoptr (CliValue) created = cli_value_new_nil_time ();
  g_autofree char *author = NULL;
  g_autofree char *architecture = NULL;
  g_autofree char *variant = NULL;
  g_autofree char *os = NULL;
  g_autofree char *os_version = NULL;
  g_autoptr (CliValue) os_features = cli_value_new_list (TRUE);
  g_autoptr (CliValue) config = NULL;
  g_autoptr (CliValue) rootfs = NULL;
  g_autoptr (CliValue) diff_ids = cli_value_new_list (TRUE);
  g_autoptr (CliValue) history = cli_value_new_list (TRUE);
  g_autofree char *rootfs_type = NULL;
  JsonNode *rootfs_node = member (root, "rootfs");
  JsonNode *history_node = member (root, "history");
  CliValue *image;

  if (!decode_time (member (root, "created"), "Image.created", &created, error)
      || !decode_string (member (root, "author"), "Image.author", &author, error)
      || !decode_string (member (root, "architecture"), "Image.architecture", &architecture,
                         error)
      || !decode_string (member (root, "variant"), "Image.variant", &variant, error)
      || !decode_string (member (root, "os"), "Image.os", &os, error)
      || !decode_string (member (root, "os.version"), "Image.os.version", &os_version, error)
      || !decode_string_list (member (root, "os.features"), "Image.os.features", "[]string",
                              &os_features, error))
    return NULL;

  config = decode_image_config (member (root, "config"), error);
  if (config == NULL)
    return NULL;

  if (!check_object (rootfs_node, "Image.rootfs", "v1.RootFS", error)
      || !decode_string (member (object_of (rootfs_node), "type"), "Image.rootfs.type",
                         &rootfs_type, error)
      || !decode_string_list (member (object_of (rootfs_node), "diff_ids"), "Image.rootfs.diff_ids",
                              "[]digest.Digest", &diff_ids, error))
    return NULL;
  rootfs = cli_value_new_struct ("v1.RootFS");
  cli_value_struct_add (rootfs, "Type", "type", FALSE, cli_value_new_string (rootfs_type));
  cli_value_struct_add (rootfs, "DiffIDs", "diff_ids", FALSE, g_steal_pointer (&diff_ids));

  if (history_node != NULL && !JSON_NODE_HOLDS_NULL (history_node))
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (history_node))
        return type_error (history_node, "Image.history", "[]v1.History", error), NULL;
      array = json_node_get_array (history_node);
      g_clear_pointer (&history, cli_value_free);
      history = cli_value_new_list (FALSE);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          CliValue *entry = decode_history_entry (json_array_get_element (array, i), error);

          if (entry == NULL)
            return NULL;
          cli_value_list_append (history, entry);
        }
    }

  image = cli_value_new_struct ("v1.Image");
  cli_value_struct_add (image, "Created", "created", TRUE, g_steal_pointer (&created));
  cli_value_struct_add (image, "Author", "author", TRUE, cli_value_new_string (author));
  cli_value_struct_add (image, "Architecture", "architecture", FALSE,
                        cli_value_new_string (architecture));
  cli_value_struct_add (image, "Variant", "variant", TRUE, cli_value_new_string (variant));
  cli_value_struct_add (image, "OS", "os", FALSE, cli_value_new_string (os));
  cli_value_struct_add (image, "OSVersion", "os.version", TRUE, cli_value_new_string (os_version));
  cli_value_struct_add (image, "OSFeatures", "os.features", TRUE, g_steal_pointer (&os_features));
  cli_value_struct_add (image, "Config", "config", FALSE, g_steal_pointer (&config));
  cli_value_struct_add (image, "RootFS", "rootfs", FALSE, g_steal_pointer (&rootfs));
  cli_value_struct_add (image, "History", "history", TRUE, g_steal_pointer (&history));
  return image;
}

CliValue *
cli_oci_config_value_new (GBytes *config, GError **error)
{
  g_autoptr (JsonParser) parser = parse_document (config, error);

  if (parser == NULL)
    return NULL;
  return decode_oci_image (json_node_get_object (json_parser_get_root (parser)), error);
}

gboolean
cli_inspect_info_from_oci_config (GBytes *config, CliInspectInfo *out, GError **error)
{
  g_autoptr (JsonParser) parser = parse_document (config, error);
  g_autoptr (CliValue) image = NULL;
  JsonObject *root;
  const CliValue *image_config;

  if (parser == NULL)
    return FALSE;
  root = json_node_get_object (json_parser_get_root (parser));
  image = decode_oci_image (root, error);
  if (image == NULL)
    return FALSE;

  /* skopeo also reads the configuration as Docker's, for docker_version only. */
  if (!decode_string (member (root, "docker_version"), "Schema2V1Image.docker_version",
                      &out->docker_version, error))
    return FALSE;

  image_config = cli_value_struct_get (image, "Config");
  out->created = cli_value_copy (cli_value_struct_get (image, "Created"));
  out->labels = cli_value_copy (cli_value_struct_get (image_config, "Labels"));
  out->env = cli_value_copy (cli_value_struct_get (image_config, "Env"));
  out->architecture =
      g_strdup (cli_value_get_string (cli_value_struct_get (image, "Architecture")));
  out->variant = g_strdup (cli_value_get_string (cli_value_struct_get (image, "Variant")));
  out->os = g_strdup (cli_value_get_string (cli_value_struct_get (image, "OS")));
  if (out->docker_version == NULL)
    out->docker_version = g_strdup ("");
  return TRUE;
}

/* Docker's schema 2 configuration and schema 1's v1Compatibility share this shape. */
static gboolean
inspect_info_from_docker_object (JsonObject *root, CliInspectInfo *out, GError **error)
{
  JsonNode *config_node = member (root, "config");
  JsonObject *config = object_of (config_node);

  out->created = cli_value_new_go_time_zero ();
  out->labels = cli_value_new_map (TRUE, CLI_VALUE_STRING);
  out->env = cli_value_new_list (TRUE);
  out->docker_version = g_strdup ("");
  out->architecture = g_strdup ("");
  out->variant = g_strdup ("");
  out->os = g_strdup ("");

  return decode_time (member (root, "created"), "Schema2Image.created", &out->created, error)
         && decode_string (member (root, "docker_version"), "Schema2Image.docker_version",
                           &out->docker_version, error)
         && decode_string (member (root, "architecture"), "Schema2Image.architecture",
                           &out->architecture, error)
         && decode_string (member (root, "variant"), "Schema2Image.variant", &out->variant, error)
         && decode_string (member (root, "os"), "Schema2Image.os", &out->os, error)
         && check_object (config_node, "Schema2Image.config", "manifest.Schema2Config", error)
         && decode_map (member (config, "Labels"), "Schema2Image.config.Labels", FALSE,
                        &out->labels, error)
         && decode_string_list (member (config, "Env"), "Schema2Image.config.Env", "[]string",
                                &out->env, error);
}

gboolean
cli_inspect_info_from_docker_config (GBytes *config, CliInspectInfo *out, GError **error)
{
  g_autoptr (JsonParser) parser = parse_document (config, error);
  g_autoptr (CliValue) checked = NULL;
  g_autoptr (CliValue) container_config = NULL;
  JsonObject *root;

  if (parser == NULL)
    return FALSE;
  root = json_node_get_object (json_parser_get_root (parser));

  /* skopeo decodes the whole Docker configuration, so a field of the wrong type fails
   * the inspect even where it is not shown. The OCI fields are a subset of Docker's
   * with the same types, and container_config has the shape of config. */
  checked = decode_oci_image (root, error);
  if (checked == NULL)
    return FALSE;
  container_config = decode_image_config (member (root, "container_config"), error);
  if (container_config == NULL)
    return FALSE;

  return inspect_info_from_docker_object (root, out, error);
}

gboolean
cli_inspect_info_from_schema1 (const char *v1_compatibility, CliInspectInfo *out, GError **error)
{
  g_autoptr (GBytes) bytes = g_bytes_new (v1_compatibility, strlen (v1_compatibility));

  return cli_inspect_info_from_docker_config (bytes, out, error);
}
