/* skopos-toml.c: a small TOML reader, enough for registries.conf.
 *
 * Debian has no C TOML library, and the containers files use a small part of the
 * language, so this reads that part strictly and says clearly what it does not
 * support. The document becomes a JSON tree (json-glib), which the callers already
 * know how to walk.
 *
 * The rules kept from TOML 1.0: a key is defined once; a table is defined once by a
 * [header] (a dotted key or a sub-table may create it implicitly first); [[name]]
 * appends a table to an array of tables, and later headers under it refer to its
 * last element; a key/value line ends at the end of the line; inline tables are
 * closed to later additions.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include <skopos/skopos-error.h>

#include "skopos-toml.h"

typedef struct
{
  const char *p;
  const char *origin;
  guint line;
  JsonObject *root;
  GHashTable *defined; /* JsonObject* given a [header] or closed (inline) */
  GHashTable *arrays_of_tables; /* JsonArray* made by [[header]] */
  GHashTable *dotted;  /* JsonObject* made by dotted keys: no [header] may name them */
} Parser;

static gboolean G_GNUC_PRINTF (3, 4)
fail (Parser *ps, GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "%s:%u: %s", ps->origin, ps->line, msg);
}

static void
skip_ws (Parser *ps)
{
  while (*ps->p == ' ' || *ps->p == '\t')
    ps->p++;
}

static void
skip_comment (Parser *ps)
{
  if (*ps->p == '#')
    while (*ps->p != '\0' && *ps->p != '\n')
      ps->p++;
}

/* Whitespace, comments and newlines (inside arrays). */
static void
skip_ws_nl (Parser *ps)
{
  for (;;)
    {
      skip_ws (ps);
      skip_comment (ps);
      if (*ps->p == '\r' && ps->p[1] == '\n')
        ps->p++;
      if (*ps->p != '\n')
        return;
      ps->p++;
      ps->line++;
    }
}

/* After a value or header: only a comment may follow on the line. */
static gboolean
expect_eol (Parser *ps, GError **error)
{
  skip_ws (ps);
  skip_comment (ps);
  if (*ps->p == '\r' && ps->p[1] == '\n')
    ps->p++;
  if (*ps->p == '\n')
    {
      ps->p++;
      ps->line++;
      return TRUE;
    }
  if (*ps->p == '\0')
    return TRUE;
  return fail (ps, error, "unexpected '%c' after the value", *ps->p);
}

/* ---- Strings --------------------------------------------------------------------- */

static gboolean
read_hex (Parser *ps, guint digits, gunichar *out, GError **error)
{
  gunichar c = 0;
  for (guint i = 0; i < digits; i++)
    {
      int v = g_ascii_xdigit_value (ps->p[i]);
      if (v < 0)
        return fail (ps, error, "bad \\u escape");
      c = c * 16 + v;
    }
  if (!g_unichar_validate (c))
    return fail (ps, error, "the \\u escape is not a valid character");
  ps->p += digits;
  *out = c;
  return TRUE;
}

static gboolean
parse_basic_string (Parser *ps, gboolean multiline, char **out, GError **error)
{
  g_autoptr (GString) s = g_string_new (NULL);
  const char *quote = multiline ? "\"\"\"" : "\"";
  ps->p += strlen (quote);

  /* A newline right after the opening """ is not part of the string. */
  if (multiline && *ps->p == '\n')
    {
      ps->p++;
      ps->line++;
    }
  else if (multiline && ps->p[0] == '\r' && ps->p[1] == '\n')
    {
      ps->p += 2;
      ps->line++;
    }

  for (;;)
    {
      char c = *ps->p;
      if (c == '\0')
        return fail (ps, error, "unterminated string");
      if (g_str_has_prefix (ps->p, quote))
        {
          ps->p += strlen (quote);
          /* """a"""" : up to two more quotes belong to the string. */
          for (guint k = 0; multiline && k < 2 && *ps->p == '"'; k++)
            {
              g_string_append_c (s, '"');
              ps->p++;
            }
          break;
        }
      if (c == '\n')
        {
          if (!multiline)
            return fail (ps, error, "a newline inside a string");
          ps->line++;
          g_string_append_c (s, c);
          ps->p++;
          continue;
        }
      if (c != '\\')
        {
          if ((guchar) c < 0x20 && c != '\t' && c != '\r')
            return fail (ps, error, "a control character inside a string");
          g_string_append_c (s, c);
          ps->p++;
          continue;
        }

      ps->p++;
      c = *ps->p++;
      gunichar u = 0;
      switch (c)
        {
        case 'b':
          g_string_append_c (s, '\b');
          break;
        case 't':
          g_string_append_c (s, '\t');
          break;
        case 'n':
          g_string_append_c (s, '\n');
          break;
        case 'f':
          g_string_append_c (s, '\f');
          break;
        case 'r':
          g_string_append_c (s, '\r');
          break;
        case '"':
          g_string_append_c (s, '"');
          break;
        case '\\':
          g_string_append_c (s, '\\');
          break;
        case 'u':
          if (!read_hex (ps, 4, &u, error))
            return FALSE;
          g_string_append_unichar (s, u);
          break;
        case 'U':
          if (!read_hex (ps, 8, &u, error))
            return FALSE;
          g_string_append_unichar (s, u);
          break;
        case ' ':
        case '\t':
        case '\r':
        case '\n':
          if (multiline)
            {
              /* A line-ending backslash trims the newline and leading blanks. */
              ps->p--;
              while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r')
                ps->p++;
              if (*ps->p != '\n')
                return fail (ps, error, "bad escape '\\%c'", c);
              while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n')
                {
                  if (*ps->p == '\n')
                    ps->line++;
                  ps->p++;
                }
              break;
            }
          return fail (ps, error, "bad escape '\\%c'", c);
        default:
          return fail (ps, error, "bad escape '\\%c'", c != '\0' ? c : ' ');
        }
    }

  *out = g_string_free (g_steal_pointer (&s), FALSE);
  return TRUE;
}

static gboolean
parse_literal_string (Parser *ps, gboolean multiline, char **out, GError **error)
{
  const char *quote = multiline ? "'''" : "'";
  ps->p += strlen (quote);
  if (multiline && *ps->p == '\n')
    {
      ps->p++;
      ps->line++;
    }

  const char *start = ps->p;
  for (;;)
    {
      if (*ps->p == '\0')
        return fail (ps, error, "unterminated string");
      if (g_str_has_prefix (ps->p, quote))
        break;
      if (*ps->p == '\n')
        {
          if (!multiline)
            return fail (ps, error, "a newline inside a string");
          ps->line++;
        }
      ps->p++;
    }
  *out = g_strndup (start, ps->p - start);
  ps->p += strlen (quote);
  return TRUE;
}

/* ---- Keys ------------------------------------------------------------------------- */

static gboolean
is_bare_key_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-';
}

static gboolean
parse_simple_key (Parser *ps, char **out, GError **error)
{
  if (*ps->p == '"')
    {
      if (g_str_has_prefix (ps->p, "\"\"\""))
        return fail (ps, error, "a multi-line string cannot be a key");
      return parse_basic_string (ps, FALSE, out, error);
    }
  if (*ps->p == '\'')
    {
      if (g_str_has_prefix (ps->p, "'''"))
        return fail (ps, error, "a multi-line string cannot be a key");
      return parse_literal_string (ps, FALSE, out, error);
    }

  const char *start = ps->p;
  while (is_bare_key_char (*ps->p))
    ps->p++;
  if (ps->p == start)
    return *ps->p == '\0' || *ps->p == '\n' ? fail (ps, error, "a key is missing")
                                            : fail (ps, error, "unexpected '%c' in a key", *ps->p);
  *out = g_strndup (start, ps->p - start);
  return TRUE;
}

/* a.b."c d" → ["a", "b", "c d"] */
static GPtrArray *
parse_key_path (Parser *ps, GError **error)
{
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  for (;;)
    {
      skip_ws (ps);
      char *part = NULL;
      if (!parse_simple_key (ps, &part, error))
        return NULL;
      g_ptr_array_add (parts, part);
      skip_ws (ps);
      if (*ps->p != '.')
        break;
      ps->p++;
    }
  return g_steal_pointer (&parts);
}

static char *
key_path_string (GPtrArray *parts, guint n)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (s, '.');
      g_string_append (s, parts->pdata[i]);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* ---- Values ------------------------------------------------------------------------- */

static JsonNode *parse_value (Parser *ps, GError **error);
static gboolean set_key_value (Parser *ps, JsonObject *table, GPtrArray *path, JsonNode *value,
                               GError **error);

static JsonNode *
parse_number (Parser *ps, GError **error)
{
  const char *start = ps->p;
  while (*ps->p != '\0' && strchr ("+-0123456789abcdefABCDEFxXoO_.:TZ", *ps->p) != NULL)
    ps->p++;
  g_autofree char *raw = g_strndup (start, ps->p - start);

  /* 1979-05-27: a '-' after the first character is a date. */
  if (strpbrk (raw, ".:TZ") != NULL || strchr (raw + 1, '-') != NULL
      || ((strchr (raw, 'e') != NULL || strchr (raw, 'E') != NULL)
          && !g_str_has_prefix (raw, "0x")))
    {
      fail (ps, error, "'%s': floats and dates are not supported here", raw);
      return NULL;
    }

  /* Underscores only between digits. */
  g_autoptr (GString) digits = g_string_new (NULL);
  for (const char *c = raw; *c != '\0'; c++)
    {
      if (*c == '_')
        {
          if (c == raw || !g_ascii_isxdigit (c[-1]) || !g_ascii_isxdigit (c[1]))
            {
              fail (ps, error, "'%s' is not a valid number", raw);
              return NULL;
            }
          continue;
        }
      g_string_append_c (digits, *c);
    }

  const char *d = digits->str;
  gboolean negative = FALSE;
  guint base = 10;
  if (*d == '+' || *d == '-')
    {
      negative = *d == '-';
      d++;
    }
  if (d[0] == '0' && (d[1] == 'x' || d[1] == 'o' || d[1] == 'b'))
    {
      if (d != digits->str + 0 && (digits->str[0] == '+' || digits->str[0] == '-'))
        {
          fail (ps, error, "'%s': a sign is not allowed before 0x, 0o or 0b", raw);
          return NULL;
        }
      base = d[1] == 'x' ? 16 : d[1] == 'o' ? 8 : 2;
      d += 2;
    }
  else if (d[0] == '0' && d[1] != '\0')
    {
      fail (ps, error, "'%s': leading zeros are not allowed", raw);
      return NULL;
    }

  guint64 value = 0;
  if (!g_ascii_string_to_unsigned (d, base, 0, negative ? (guint64) G_MAXINT64 + 1 : G_MAXINT64,
                                   &value, NULL))
    {
      fail (ps, error, "'%s' is not a valid integer", raw);
      return NULL;
    }
  JsonNode *node = json_node_new (JSON_NODE_VALUE);
  json_node_set_int (node, negative ? (gint64) (0 - value) : (gint64) value);
  return node;
}

static JsonNode *
parse_array (Parser *ps, GError **error)
{
  ps->p++;
  g_autoptr (JsonArray) array = json_array_new ();
  for (;;)
    {
      skip_ws_nl (ps);
      if (*ps->p == ']')
        {
          ps->p++;
          break;
        }
      JsonNode *v = parse_value (ps, error);
      if (v == NULL)
        return NULL;
      json_array_add_element (array, v);
      skip_ws_nl (ps);
      if (*ps->p == ',')
        {
          ps->p++;
          continue;
        }
      if (*ps->p == ']')
        {
          ps->p++;
          break;
        }
      fail (ps, error, "expected ',' or ']' in an array");
      return NULL;
    }
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, g_steal_pointer (&array));
  return node;
}

static JsonNode *
parse_inline_table (Parser *ps, GError **error)
{
  ps->p++;
  g_autoptr (JsonObject) table = json_object_new ();
  skip_ws (ps);
  if (*ps->p == '}')
    ps->p++;
  else
    for (;;)
      {
        g_autoptr (GPtrArray) path = parse_key_path (ps, error);
        if (path == NULL)
          return NULL;
        if (*ps->p != '=')
          {
            fail (ps, error, "expected '=' after a key");
            return NULL;
          }
        ps->p++;
        skip_ws (ps);
        JsonNode *v = parse_value (ps, error);
        if (v == NULL)
          return NULL;
        if (!set_key_value (ps, table, path, v, error))
          return NULL;
        skip_ws (ps);
        if (*ps->p == ',')
          {
            ps->p++;
            continue;
          }
        if (*ps->p == '}')
          {
            ps->p++;
            break;
          }
        fail (ps, error, "expected ',' or '}' in an inline table");
        return NULL;
      }

  /* An inline table is complete: no [header] may add to it later. */
  g_hash_table_add (ps->defined, table);
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, g_steal_pointer (&table));
  return node;
}

static JsonNode *
parse_value (Parser *ps, GError **error)
{
  char c = *ps->p;
  char *s = NULL;

  if (c == '"')
    {
      if (!parse_basic_string (ps, g_str_has_prefix (ps->p, "\"\"\""), &s, error))
        return NULL;
    }
  else if (c == '\'')
    {
      if (!parse_literal_string (ps, g_str_has_prefix (ps->p, "'''"), &s, error))
        return NULL;
    }
  else if (c == '[')
    return parse_array (ps, error);
  else if (c == '{')
    return parse_inline_table (ps, error);
  else if (g_str_has_prefix (ps->p, "true") && !is_bare_key_char (ps->p[4]))
    {
      ps->p += 4;
      JsonNode *node = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (node, TRUE);
      return node;
    }
  else if (g_str_has_prefix (ps->p, "false") && !is_bare_key_char (ps->p[5]))
    {
      ps->p += 5;
      JsonNode *node = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (node, FALSE);
      return node;
    }
  else if (g_ascii_isdigit (c) || c == '+' || c == '-')
    {
      if (g_str_has_prefix (ps->p + (c == '+' || c == '-'), "inf")
          || g_str_has_prefix (ps->p + (c == '+' || c == '-'), "nan"))
        {
          fail (ps, error, "floats are not supported here");
          return NULL;
        }
      return parse_number (ps, error);
    }
  else if (g_str_has_prefix (ps->p, "inf") || g_str_has_prefix (ps->p, "nan"))
    {
      fail (ps, error, "floats are not supported here");
      return NULL;
    }
  else
    {
      if (c == '\0' || c == '\n' || c == '#')
        fail (ps, error, "a value is missing");
      else
        fail (ps, error, "unexpected '%c' where a value should be (strings need quotes)", c);
      return NULL;
    }

  JsonNode *node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, s);
  g_free (s);
  return node;
}

/* ---- Tables ------------------------------------------------------------------------- */

/* The table @key names inside @table, created if missing; the last element of an
 * array of tables. */
static JsonObject *
descend (Parser *ps, JsonObject *table, const char *key, const char *shown, gboolean for_header,
         GError **error)
{
  JsonNode *node = json_object_get_member (table, key);
  if (node == NULL)
    {
      JsonObject *child = json_object_new ();
      json_object_set_object_member (table, key, child);
      if (!for_header)
        g_hash_table_add (ps->dotted, child);
      return child;
    }
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *child = json_node_get_object (node);
      /* Dotted keys cannot reach into a table a [header] defined elsewhere. */
      if (!for_header && g_hash_table_contains (ps->defined, child))
        {
          fail (ps, error, "'%s' is already defined", shown);
          return NULL;
        }
      return child;
    }
  if (JSON_NODE_HOLDS_ARRAY (node) && for_header
      && g_hash_table_contains (ps->arrays_of_tables, json_node_get_array (node)))
    {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);
      return json_array_get_object_element (array, n - 1);
    }
  fail (ps, error, "'%s' is already defined and is not a table", shown);
  return NULL;
}

static gboolean
set_key_value (Parser *ps, JsonObject *table, GPtrArray *path, JsonNode *value, GError **error)
{
  g_autoptr (JsonNode) owned = value;
  for (guint i = 0; i + 1 < path->len; i++)
    {
      g_autofree char *shown = key_path_string (path, i + 1);
      table = descend (ps, table, path->pdata[i], shown, FALSE, error);
      if (table == NULL)
        return FALSE;
    }

  const char *last = path->pdata[path->len - 1];
  if (json_object_has_member (table, last))
    {
      g_autofree char *shown = key_path_string (path, path->len);
      return fail (ps, error, "'%s' is defined twice", shown);
    }
  json_object_set_member (table, last, g_steal_pointer (&owned));
  return TRUE;
}

static JsonObject *
parse_header (Parser *ps, GError **error)
{
  gboolean array = g_str_has_prefix (ps->p, "[[");
  ps->p += array ? 2 : 1;

  g_autoptr (GPtrArray) path = parse_key_path (ps, error);
  if (path == NULL)
    return NULL;
  if (!g_str_has_prefix (ps->p, array ? "]]" : "]"))
    {
      fail (ps, error, "expected '%s' to close the table header", array ? "]]" : "]");
      return NULL;
    }
  ps->p += array ? 2 : 1;

  JsonObject *table = ps->root;
  for (guint i = 0; i + 1 < path->len; i++)
    {
      g_autofree char *shown = key_path_string (path, i + 1);
      table = descend (ps, table, path->pdata[i], shown, TRUE, error);
      if (table == NULL)
        return NULL;
    }

  const char *last = path->pdata[path->len - 1];
  g_autofree char *shown = key_path_string (path, path->len);
  JsonNode *node = json_object_get_member (table, last);

  if (array)
    {
      JsonArray *list;
      if (node == NULL)
        {
          list = json_array_new ();
          json_object_set_array_member (table, last, list);
          g_hash_table_add (ps->arrays_of_tables, list);
        }
      else if (JSON_NODE_HOLDS_ARRAY (node)
               && g_hash_table_contains (ps->arrays_of_tables, json_node_get_array (node)))
        list = json_node_get_array (node);
      else
        {
          fail (ps, error, "'%s' is already defined and is not an array of tables", shown);
          return NULL;
        }
      JsonObject *element = json_object_new ();
      json_array_add_object_element (list, element);
      return element;
    }

  if (node == NULL)
    {
      JsonObject *child = json_object_new ();
      json_object_set_object_member (table, last, child);
      g_hash_table_add (ps->defined, child);
      return child;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (ps, error, "'%s' is already defined and is not a table", shown);
      return NULL;
    }
  if (g_hash_table_contains (ps->defined, json_node_get_object (node))
      || g_hash_table_contains (ps->dotted, json_node_get_object (node)))
    {
      fail (ps, error, "table '%s' is defined twice", shown);
      return NULL;
    }
  /* It existed implicitly (made by a sub-table); now it is defined. */
  JsonObject *child = json_node_get_object (node);
  g_hash_table_add (ps->defined, child);
  return child;
}

JsonNode *
_skopos_toml_parse (const char *text, const char *origin, GError **error)
{
  Parser ps = {
    .p = text,
    .origin = origin,
    .line = 1,
    .root = json_object_new (),
    .defined = g_hash_table_new (NULL, NULL),
    .arrays_of_tables = g_hash_table_new (NULL, NULL),
    .dotted = g_hash_table_new (NULL, NULL),
  };
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (root, ps.root);
  g_autoptr (GHashTable) defined = ps.defined;
  g_autoptr (GHashTable) arrays = ps.arrays_of_tables;
  g_autoptr (GHashTable) dotted = ps.dotted;

  const char *end = NULL;
  if (!g_utf8_validate (text, -1, &end))
    {
      for (const char *c = text; c < end; c++)
        if (*c == '\n')
          ps.line++;
      fail (&ps, error, "the file is not valid UTF-8");
      return NULL;
    }

  JsonObject *current = ps.root;
  for (;;)
    {
      skip_ws_nl (&ps);
      if (*ps.p == '\0')
        break;

      if (*ps.p == '[')
        {
          current = parse_header (&ps, error);
          if (current == NULL || !expect_eol (&ps, error))
            return NULL;
          continue;
        }

      g_autoptr (GPtrArray) path = parse_key_path (&ps, error);
      if (path == NULL)
        return NULL;
      if (*ps.p != '=')
        {
          fail (&ps, error, "expected '=' after the key '%s'", (char *) path->pdata[0]);
          return NULL;
        }
      ps.p++;
      skip_ws (&ps);
      JsonNode *value = parse_value (&ps, error);
      if (value == NULL)
        return NULL;
      if (!set_key_value (&ps, current, path, value, error))
        return NULL;
      if (!expect_eol (&ps, error))
        return NULL;
    }

  return g_steal_pointer (&root);
}
