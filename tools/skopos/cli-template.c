/* cli-template.c: Go-shaped values, Go's JSON encoding of them, and a Go text/template
 * subset (see cli-template.h).
 *
 * JSON follows encoding/json as the Go 1.19 toolchain of Debian's skopeo writes it:
 * map keys sorted bytewise; "<", ">", "&" escaped as \u003c, \u003e, \u0026 unless
 * asked not to; U+2028 and U+2029 always escaped; \n, \r, \t and the two-character
 * escapes for quote and backslash, \u00XX for other control characters; invalid
 * UTF-8 replaced by \ufffd; MarshalIndent puts "[]" and "{}" on one line.
 *
 * The template engine parses into a small tree (text, actions, if/with/range) and
 * walks it with the data. Values met while running are borrowed from the data or,
 * for results of functions and constants, owned by a per-run arena. A missing map
 * key is a NULL value, shown as "<no value>" exactly as Go shows it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli-template.h"

#include <string.h>

typedef struct
{
  char *go_name;
  char *json_name;
  gboolean omit_empty;
  CliValue *value;
} CliField;

struct _CliValue
{
  CliValueKind kind;
  gboolean is_nil;
  char *type_name;
  char *text;  /* string; time: JSON form */
  char *text2; /* time: String() form */
  gint64 number;
  gboolean truth;
  CliValueKind elem_kind; /* maps */
  GPtrArray *items;       /* list: CliValue*; map and struct: CliField* */
};

G_DEFINE_QUARK (skopos-cli-template-error-quark, cli_template_error)

static void
field_free (gpointer data)
{
  CliField *field = data;

  g_free (field->go_name);
  g_free (field->json_name);
  cli_value_free (field->value);
  g_free (field);
}

static CliValue *
value_new (CliValueKind kind)
{
  CliValue *value = g_new0 (CliValue, 1);

  value->kind = kind;
  return value;
}

CliValue *
cli_value_new_string (const char *text)
{
  CliValue *value = value_new (CLI_VALUE_STRING);

  value->text = g_strdup (text != NULL ? text : "");
  return value;
}

CliValue *
cli_value_new_int (gint64 number)
{
  CliValue *value = value_new (CLI_VALUE_INT);

  value->number = number;
  return value;
}

CliValue *
cli_value_new_bool (gboolean truth)
{
  CliValue *value = value_new (CLI_VALUE_BOOL);

  value->truth = truth;
  return value;
}

CliValue *
cli_value_new_time (const char *json_text, const char *print_text)
{
  CliValue *value = value_new (CLI_VALUE_TIME);

  value->text = g_strdup (json_text);
  value->text2 = g_strdup (print_text);
  return value;
}

CliValue *
cli_value_new_nil_time (void)
{
  CliValue *value = value_new (CLI_VALUE_TIME);

  value->is_nil = TRUE;
  return value;
}

CliValue *
cli_value_new_list (gboolean is_nil)
{
  CliValue *value = value_new (CLI_VALUE_LIST);

  value->is_nil = is_nil;
  value->items = g_ptr_array_new_with_free_func ((GDestroyNotify) cli_value_free);
  return value;
}

CliValue *
cli_value_new_map (gboolean is_nil, CliValueKind elem_kind)
{
  CliValue *value = value_new (CLI_VALUE_MAP);

  value->is_nil = is_nil;
  value->elem_kind = elem_kind;
  value->items = g_ptr_array_new_with_free_func (field_free);
  return value;
}

CliValue *
cli_value_new_struct (const char *type_name)
{
  CliValue *value = value_new (CLI_VALUE_STRUCT);

  value->type_name = g_strdup (type_name);
  value->items = g_ptr_array_new_with_free_func (field_free);
  return value;
}

CliValue *
cli_value_new_string_list (const char *const *strv)
{
  CliValue *list = cli_value_new_list (strv == NULL);

  for (gsize i = 0; strv != NULL && strv[i] != NULL; i++)
    cli_value_list_append (list, cli_value_new_string (strv[i]));
  return list;
}

void
cli_value_free (CliValue *value)
{
  if (value == NULL)
    return;
  g_free (value->type_name);
  g_free (value->text);
  g_free (value->text2);
  if (value->items != NULL)
    g_ptr_array_unref (value->items);
  g_free (value);
}

CliValueKind
cli_value_get_kind (const CliValue *value)
{
  return value->kind;
}

gboolean
cli_value_is_nil (const CliValue *value)
{
  return value->is_nil;
}

void
cli_value_list_append (CliValue *list, CliValue *item)
{
  g_return_if_fail (list->kind == CLI_VALUE_LIST);
  list->is_nil = FALSE;
  g_ptr_array_add (list->items, item);
}

static int
compare_fields_by_key (gconstpointer a, gconstpointer b)
{
  const CliField *const *fa = a;
  const CliField *const *fb = b;

  return strcmp ((*fa)->go_name, (*fb)->go_name);
}

void
cli_value_map_insert (CliValue *map, const char *key, CliValue *item)
{
  CliField *field;

  g_return_if_fail (map->kind == CLI_VALUE_MAP);
  map->is_nil = FALSE;

  /* A repeated key replaces the value, as assigning to a Go map does. */
  for (guint i = 0; i < map->items->len; i++)
    {
      field = map->items->pdata[i];
      if (strcmp (field->go_name, key) == 0)
        {
          cli_value_free (field->value);
          field->value = item;
          return;
        }
    }

  field = g_new0 (CliField, 1);
  field->go_name = g_strdup (key);
  field->value = item;
  g_ptr_array_add (map->items, field);
  g_ptr_array_sort (map->items, compare_fields_by_key);
}

void
cli_value_struct_add (CliValue *strukt, const char *go_name, const char *json_name,
                      gboolean omit_empty, CliValue *item)
{
  CliField *field;

  g_return_if_fail (strukt->kind == CLI_VALUE_STRUCT);
  field = g_new0 (CliField, 1);
  field->go_name = g_strdup (go_name);
  field->json_name = g_strdup (json_name != NULL ? json_name : go_name);
  field->omit_empty = omit_empty;
  field->value = item;
  g_ptr_array_add (strukt->items, field);
}

const CliValue *
cli_value_struct_get (const CliValue *strukt, const char *go_name)
{
  g_return_val_if_fail (strukt != NULL && strukt->kind == CLI_VALUE_STRUCT, NULL);
  for (guint i = 0; i < strukt->items->len; i++)
    {
      const CliField *field = strukt->items->pdata[i];

      if (strcmp (field->go_name, go_name) == 0)
        return field->value;
    }
  return NULL;
}

const char *
cli_value_get_string (const CliValue *value)
{
  return value != NULL && value->kind == CLI_VALUE_STRING ? value->text : "";
}

CliValue *
cli_value_copy (const CliValue *value)
{
  CliValue *copy;

  if (value == NULL)
    return NULL;
  copy = value_new (value->kind);
  copy->is_nil = value->is_nil;
  copy->type_name = g_strdup (value->type_name);
  copy->text = g_strdup (value->text);
  copy->text2 = g_strdup (value->text2);
  copy->number = value->number;
  copy->truth = value->truth;
  copy->elem_kind = value->elem_kind;
  if (value->kind == CLI_VALUE_LIST)
    {
      copy->items = g_ptr_array_new_with_free_func ((GDestroyNotify) cli_value_free);
      for (guint i = 0; i < value->items->len; i++)
        g_ptr_array_add (copy->items, cli_value_copy (value->items->pdata[i]));
    }
  else if (value->items != NULL)
    {
      copy->items = g_ptr_array_new_with_free_func (field_free);
      for (guint i = 0; i < value->items->len; i++)
        {
          const CliField *field = value->items->pdata[i];
          CliField *dup = g_new0 (CliField, 1);

          dup->go_name = g_strdup (field->go_name);
          dup->json_name = g_strdup (field->json_name);
          dup->omit_empty = field->omit_empty;
          dup->value = cli_value_copy (field->value);
          g_ptr_array_add (copy->items, dup);
        }
    }
  return copy;
}

static const char *
value_type_name (const CliValue *value)
{
  if (value == NULL)
    return "<nil>";
  if (value->type_name != NULL)
    return value->type_name;
  switch (value->kind)
    {
    case CLI_VALUE_STRING:
      return "string";
    case CLI_VALUE_INT:
      return "int64";
    case CLI_VALUE_BOOL:
      return "bool";
    case CLI_VALUE_TIME:
      return "*time.Time";
    case CLI_VALUE_LIST:
      return "[]string";
    case CLI_VALUE_MAP:
      return value->elem_kind == CLI_VALUE_STRUCT ? "map[string]struct {}" : "map[string]string";
    case CLI_VALUE_STRUCT:
      return "struct";
    }
  return "?";
}

/* ---- time.Time ------------------------------------------------------------------ */

static gboolean
take_digits (const char **p, int count, int *out)
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

static int
days_in_month (int year, int month)
{
  static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

  if (month == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
    return 29;
  return days[month - 1];
}

static char *
fraction_text (const char *digits)
{
  /* Go keeps nanoseconds: nine digits at most, trailing zeros dropped. */
  g_autofree char *nine = g_strndup (digits, 9);
  gsize len = strlen (nine);

  while (len > 0 && nine[len - 1] == '0')
    nine[--len] = '\0';
  if (len == 0)
    return g_strdup ("");
  return g_strconcat (".", nine, NULL);
}

CliValue *
cli_value_new_go_time (const char *text, GError **error)
{
  const char *p = text;
  int year, month, day, hour, minute, second;
  int offset_minutes = 0;
  gboolean utc = FALSE;
  g_autofree char *fraction = NULL;
  g_autofree char *zone_json = NULL;
  g_autofree char *zone_text = NULL;
  g_autofree char *json_text = NULL;
  g_autofree char *print_text = NULL;

  if (!take_digits (&p, 4, &year) || *p++ != '-' || !take_digits (&p, 2, &month) || *p++ != '-'
      || !take_digits (&p, 2, &day) || *p++ != 'T'
      /* Go 1.19, which Debian's skopeo is built with, also takes a one-digit hour. */
      || !take_digits (&p, g_ascii_isdigit (p[1]) ? 2 : 1, &hour) || *p++ != ':'
      || !take_digits (&p, 2, &minute) || *p++ != ':' || !take_digits (&p, 2, &second))
    goto bad;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59)
    goto bad;
  if (day < 1 || day > days_in_month (year, month))
    goto bad;

  if (*p == '.' && g_ascii_isdigit (p[1]))
    {
      const char *start = ++p;

      while (g_ascii_isdigit (*p))
        p++;
      {
        g_autofree char *digits = g_strndup (start, (gsize) (p - start));
        fraction = fraction_text (digits);
      }
    }
  else
    fraction = g_strdup ("");

  if (*p == 'Z')
    {
      utc = TRUE;
      p++;
    }
  else if (*p == '+' || *p == '-')
    {
      int sign = *p++ == '-' ? -1 : 1;
      int oh, om;

      if (!take_digits (&p, 2, &oh) || *p++ != ':' || !take_digits (&p, 2, &om))
        goto bad;
      if (oh > 23 || om > 59)
        goto bad;
      offset_minutes = sign * (oh * 60 + om);
    }
  else
    goto bad;
  if (*p != '\0')
    goto bad;

  if (utc || offset_minutes == 0)
    {
      zone_json = g_strdup ("Z");
      zone_text = g_strdup ("+0000 UTC");
    }
  else
    {
      int magnitude = ABS (offset_minutes);
      char sign = offset_minutes < 0 ? '-' : '+';

      zone_json = g_strdup_printf ("%c%02d:%02d", sign, magnitude / 60, magnitude % 60);
      /* A fixed zone without a name prints its offset where the name goes. */
      zone_text = g_strdup_printf ("%c%02d%02d %c%02d%02d", sign, magnitude / 60, magnitude % 60,
                                   sign, magnitude / 60, magnitude % 60);
    }

  json_text = g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d%s%s", year, month, day, hour, minute,
                               second, fraction, zone_json);
  print_text = g_strdup_printf ("%04d-%02d-%02d %02d:%02d:%02d%s %s", year, month, day, hour,
                                minute, second, fraction, zone_text);
  return cli_value_new_time (json_text, print_text);

bad:
  g_set_error (error, CLI_TEMPLATE_ERROR, CLI_TEMPLATE_ERROR_VALUE,
               "parsing time \"%s\" as RFC 3339: not a valid time", text);
  return NULL;
}

CliValue *
cli_value_new_go_time_zero (void)
{
  return cli_value_new_time ("0001-01-01T00:00:00Z", "0001-01-01 00:00:00 +0000 UTC");
}

/* ---- JSON ------------------------------------------------------------------- */

void
cli_json_append_string (GString *out, const char *text, gboolean escape_html)
{
  static const char hex[] = "0123456789abcdef";
  const char *p = text;
  const char *end = text + strlen (text);

  g_string_append_c (out, '"');
  while (p < end)
    {
      guchar c = (guchar) *p;

      if (c < 0x80)
        {
          if (c == '"' || c == '\\')
            {
              g_string_append_c (out, '\\');
              g_string_append_c (out, (char) c);
            }
          else if (c == '\n')
            g_string_append (out, "\\n");
          else if (c == '\r')
            g_string_append (out, "\\r");
          else if (c == '\t')
            g_string_append (out, "\\t");
          else if (c < 0x20 || (escape_html && (c == '<' || c == '>' || c == '&')))
            {
              g_string_append (out, "\\u00");
              g_string_append_c (out, hex[c >> 4]);
              g_string_append_c (out, hex[c & 0xf]);
            }
          else
            g_string_append_c (out, (char) c);
          p++;
          continue;
        }

      {
        gunichar ch = g_utf8_get_char_validated (p, end - p);

        if (ch == (gunichar) -1 || ch == (gunichar) -2)
          {
            /* Go replaces each invalid byte with U+FFFD. */
            g_string_append (out, "\\ufffd");
            p++;
            continue;
          }
        if (ch == 0x2028 || ch == 0x2029)
          g_string_append_printf (out, "\\u%04x", ch);
        else
          g_string_append_len (out, p, g_utf8_next_char (p) - p);
        p = g_utf8_next_char (p);
      }
    }
  g_string_append_c (out, '"');
}

static gboolean
is_empty_value (const CliValue *value)
{
  switch (value->kind)
    {
    case CLI_VALUE_STRING:
      return value->text[0] == '\0';
    case CLI_VALUE_INT:
      return value->number == 0;
    case CLI_VALUE_BOOL:
      return !value->truth;
    case CLI_VALUE_TIME:
      return value->is_nil;
    case CLI_VALUE_LIST:
    case CLI_VALUE_MAP:
      return value->items->len == 0;
    case CLI_VALUE_STRUCT:
      return FALSE;
    }
  return FALSE;
}

static void
newline_indent (GString *out, const char *indent, int depth)
{
  g_string_append_c (out, '\n');
  for (int i = 0; i < depth; i++)
    g_string_append (out, indent);
}

static void
to_json (const CliValue *value, const char *indent, gboolean escape_html, int depth, GString *out)
{
  switch (value->kind)
    {
    case CLI_VALUE_STRING:
      cli_json_append_string (out, value->text, escape_html);
      return;

    case CLI_VALUE_INT:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, value->number);
      return;

    case CLI_VALUE_BOOL:
      g_string_append (out, value->truth ? "true" : "false");
      return;

    case CLI_VALUE_TIME:
      if (value->is_nil)
        g_string_append (out, "null");
      else
        cli_json_append_string (out, value->text, escape_html);
      return;

    case CLI_VALUE_LIST:
      if (value->is_nil)
        {
          g_string_append (out, "null");
          return;
        }
      g_string_append_c (out, '[');
      for (guint i = 0; i < value->items->len; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          if (indent != NULL)
            newline_indent (out, indent, depth + 1);
          to_json (value->items->pdata[i], indent, escape_html, depth + 1, out);
        }
      if (indent != NULL && value->items->len > 0)
        newline_indent (out, indent, depth);
      g_string_append_c (out, ']');
      return;

    case CLI_VALUE_MAP:
    case CLI_VALUE_STRUCT:
      {
        gboolean first = TRUE;

        if (value->is_nil)
          {
            g_string_append (out, "null");
            return;
          }
        g_string_append_c (out, '{');
        for (guint i = 0; i < value->items->len; i++)
          {
            const CliField *field = value->items->pdata[i];

            if (field->omit_empty && is_empty_value (field->value))
              continue;
            if (!first)
              g_string_append_c (out, ',');
            first = FALSE;
            if (indent != NULL)
              newline_indent (out, indent, depth + 1);
            cli_json_append_string (out, field->json_name != NULL ? field->json_name
                                                                  : field->go_name,
                                    escape_html);
            g_string_append (out, indent != NULL ? ": " : ":");
            to_json (field->value, indent, escape_html, depth + 1, out);
          }
        if (indent != NULL && !first)
          newline_indent (out, indent, depth);
        g_string_append_c (out, '}');
        return;
      }
    }
}

void
cli_value_to_json (const CliValue *value, const char *indent, gboolean escape_html, GString *out)
{
  to_json (value, indent, escape_html, 0, out);
}

/* ---- fmt.Print ---------------------------------------------------------------- */

void
cli_value_print (const CliValue *value, GString *out)
{
  if (value == NULL)
    {
      g_string_append (out, "<nil>");
      return;
    }

  switch (value->kind)
    {
    case CLI_VALUE_STRING:
      g_string_append (out, value->text);
      return;
    case CLI_VALUE_INT:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, value->number);
      return;
    case CLI_VALUE_BOOL:
      g_string_append (out, value->truth ? "true" : "false");
      return;
    case CLI_VALUE_TIME:
      g_string_append (out, value->is_nil ? "<nil>" : value->text2);
      return;
    case CLI_VALUE_LIST:
      g_string_append_c (out, '[');
      for (guint i = 0; i < value->items->len; i++)
        {
          if (i > 0)
            g_string_append_c (out, ' ');
          cli_value_print (value->items->pdata[i], out);
        }
      g_string_append_c (out, ']');
      return;
    case CLI_VALUE_MAP:
      g_string_append (out, "map[");
      for (guint i = 0; i < value->items->len; i++)
        {
          const CliField *field = value->items->pdata[i];

          if (i > 0)
            g_string_append_c (out, ' ');
          g_string_append (out, field->go_name);
          g_string_append_c (out, ':');
          cli_value_print (field->value, out);
        }
      g_string_append_c (out, ']');
      return;
    case CLI_VALUE_STRUCT:
      g_string_append_c (out, '{');
      for (guint i = 0; i < value->items->len; i++)
        {
          const CliField *field = value->items->pdata[i];

          if (i > 0)
            g_string_append_c (out, ' ');
          cli_value_print (field->value, out);
        }
      g_string_append_c (out, '}');
      return;
    }
}

/* ---- Template lexer ------------------------------------------------------------ */

typedef enum
{
  TOK_DOT,      /* "." alone */
  TOK_FIELD,    /* ".Name"; text is "Name" */
  TOK_IDENT,    /* if, range, json, true, ... */
  TOK_VARIABLE, /* "$" or "$name"; text is the whole */
  TOK_STRING,   /* text is the decoded value */
  TOK_NUMBER,
  TOK_PIPE,
  TOK_LPAREN,
  TOK_RPAREN,
  TOK_DECLARE,  /* := */
  TOK_ASSIGN,   /* = */
  TOK_COMMA,
  TOK_END,      /* end of the action */
} TokenType;

typedef struct
{
  TokenType type;
  char *text;
  gint64 number;
  gboolean space_before;
} Token;

static void
token_clear (gpointer data)
{
  Token *token = data;

  g_free (token->text);
}

typedef struct
{
  const char *start; /* the template, for line numbers */
  const char *p;
  GError **error;
} Lexer;

static int
line_of (const char *start, const char *p)
{
  int line = 1;

  for (const char *q = start; q < p; q++)
    if (*q == '\n')
      line++;
  return line;
}

static gboolean
lex_error (Lexer *lx, int code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
lex_error (Lexer *lx, int code, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (lx->error, CLI_TEMPLATE_ERROR, code, "template: %d: %s", line_of (lx->start, lx->p),
               message);
  return FALSE;
}

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static gboolean
is_ident_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || (guchar) c >= 0x80;
}

/* The right delimiter at @p: "}}" or " -}}" (which also trims what follows). */
static gboolean
at_right_delim (const char *p, gboolean *out_trim, gsize *out_len)
{
  if (p[0] == '}' && p[1] == '}')
    {
      *out_trim = FALSE;
      *out_len = 2;
      return TRUE;
    }
  if (is_space (p[0]) && p[1] == '-' && p[2] == '}' && p[3] == '}')
    {
      *out_trim = TRUE;
      *out_len = 4;
      return TRUE;
    }
  return FALSE;
}

static gboolean
lex_quoted (Lexer *lx, GString *out)
{
  /* Go's strconv.Unquote rules for "..." */
  lx->p++;
  for (;;)
    {
      char c = *lx->p;

      if (c == '\0' || c == '\n')
        return lex_error (lx, CLI_TEMPLATE_ERROR_PARSE, "unterminated quoted string");
      if (c == '"')
        {
          lx->p++;
          return TRUE;
        }
      if (c != '\\')
        {
          g_string_append_c (out, c);
          lx->p++;
          continue;
        }

      lx->p++;
      c = *lx->p++;
      switch (c)
        {
        case 'a': g_string_append_c (out, '\a'); break;
        case 'b': g_string_append_c (out, '\b'); break;
        case 'f': g_string_append_c (out, '\f'); break;
        case 'n': g_string_append_c (out, '\n'); break;
        case 'r': g_string_append_c (out, '\r'); break;
        case 't': g_string_append_c (out, '\t'); break;
        case 'v': g_string_append_c (out, '\v'); break;
        case '\\': g_string_append_c (out, '\\'); break;
        case '"': g_string_append_c (out, '"'); break;
        case 'x':
        case 'u':
        case 'U':
          {
            int digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
            guint32 code = 0;

            for (int i = 0; i < digits; i++)
              {
                int v = g_ascii_xdigit_value (*lx->p);
                if (v < 0)
                  return lex_error (lx, CLI_TEMPLATE_ERROR_PARSE, "invalid syntax in string");
                code = code * 16 + (guint32) v;
                lx->p++;
              }
            if (c == 'x')
              g_string_append_c (out, (char) code);
            else if (!g_unichar_validate (code))
              return lex_error (lx, CLI_TEMPLATE_ERROR_PARSE, "invalid syntax in string");
            else
              g_string_append_unichar (out, code);
            break;
          }
        default:
          if (c >= '0' && c <= '7')
            {
              guint code = (guint) (c - '0');

              for (int i = 0; i < 2; i++)
                {
                  if (*lx->p < '0' || *lx->p > '7')
                    return lex_error (lx, CLI_TEMPLATE_ERROR_PARSE, "invalid syntax in string");
                  code = code * 8 + (guint) (*lx->p++ - '0');
                }
              if (code > 255)
                return lex_error (lx, CLI_TEMPLATE_ERROR_PARSE, "invalid syntax in string");
              g_string_append_c (out, (char) code);
              break;
            }
          return lex_error (lx, CLI_TEMPLATE_ERROR_PARSE, "invalid syntax in string");
        }
    }
}

/* Lexes one action, from after "{{" (and its trim marker) up to and including the
 * right delimiter, into @tokens. */
static gboolean
lex_action (Lexer *lx, GArray *tokens, gboolean *out_trim_right)
{
  gboolean space = FALSE;

  for (;;)
    {
      Token token = { 0 };
      gsize delim_len;
      gboolean trim;
      const char *p = lx->p;

      if (at_right_delim (p, &trim, &delim_len))
        {
          token.type = TOK_END;
          g_array_append_val (tokens, token);
          lx->p += delim_len;
          *out_trim_right = trim;
          return TRUE;
        }
      if (*p == '\0')
        return lex_error (lx, CLI_TEMPLATE_ERROR_PARSE, "unclosed action");
      if (is_space (*p))
        {
          lx->p++;
          space = TRUE;
          continue;
        }

      token.space_before = space;
      space = FALSE;

      if (*p == '.' && !is_ident_char (p[1]))
        {
          token.type = TOK_DOT;
          lx->p++;
        }
      else if (*p == '.' && g_ascii_isdigit (p[1]))
        return lex_error (lx, CLI_TEMPLATE_ERROR_UNSUPPORTED,
                          "floating-point constants are not supported");
      else if (*p == '.')
        {
          const char *q = p + 1;

          while (is_ident_char (*q))
            q++;
          token.type = TOK_FIELD;
          token.text = g_strndup (p + 1, (gsize) (q - p - 1));
          lx->p = q;
        }
      else if (*p == '$')
        {
          const char *q = p + 1;

          while (is_ident_char (*q))
            q++;
          token.type = TOK_VARIABLE;
          token.text = g_strndup (p, (gsize) (q - p));
          lx->p = q;
        }
      else if (*p == '"')
        {
          g_autoptr (GString) s = g_string_new (NULL);

          if (!lex_quoted (lx, s))
            return FALSE;
          token.type = TOK_STRING;
          token.text = g_string_free (g_steal_pointer (&s), FALSE);
        }
      else if (*p == '`')
        {
          const char *q = strchr (p + 1, '`');

          if (q == NULL)
            return lex_error (lx, CLI_TEMPLATE_ERROR_PARSE, "unterminated raw quoted string");
          token.type = TOK_STRING;
          token.text = g_strndup (p + 1, (gsize) (q - p - 1));
          lx->p = q + 1;
        }
      else if (*p == '\'')
        return lex_error (lx, CLI_TEMPLATE_ERROR_UNSUPPORTED,
                          "character constants are not supported");
      else if (g_ascii_isdigit (*p) || ((*p == '-' || *p == '+') && g_ascii_isdigit (p[1])))
        {
          const char *q = p + 1;
          g_autofree char *text = NULL;
          char *end = NULL;

          while (g_ascii_isalnum (*q) || *q == '_' || *q == '.')
            q++;
          text = g_strndup (p, (gsize) (q - p));
          if (strchr (text, '.') != NULL
              || (g_ascii_strncasecmp (text, "0x", 2) != 0 && strpbrk (text + 1, "eEpPi") != NULL))
            return lex_error (lx, CLI_TEMPLATE_ERROR_UNSUPPORTED,
                              "number %s: only integer constants are supported", text);
          token.number = g_ascii_strtoll (text, &end, 0);
          if (end == NULL || *end != '\0')
            return lex_error (lx, CLI_TEMPLATE_ERROR_PARSE, "bad number syntax: \"%s\"", text);
          token.type = TOK_NUMBER;
          lx->p = q;
        }
      else if (g_ascii_isalpha (*p) || *p == '_')
        {
          const char *q = p;

          while (is_ident_char (*q))
            q++;
          token.type = TOK_IDENT;
          token.text = g_strndup (p, (gsize) (q - p));
          lx->p = q;
        }
      else if (*p == '|')
        {
          token.type = TOK_PIPE;
          lx->p++;
        }
      else if (*p == '(')
        {
          token.type = TOK_LPAREN;
          lx->p++;
        }
      else if (*p == ')')
        {
          token.type = TOK_RPAREN;
          lx->p++;
        }
      else if (*p == ':' && p[1] == '=')
        {
          token.type = TOK_DECLARE;
          lx->p += 2;
        }
      else if (*p == '=')
        {
          token.type = TOK_ASSIGN;
          lx->p++;
        }
      else if (*p == ',')
        {
          token.type = TOK_COMMA;
          lx->p++;
        }
      else
        return lex_error (lx, CLI_TEMPLATE_ERROR_PARSE, "unexpected \"%c\" in command", *p);

      g_array_append_val (tokens, token);
    }
}

/* ---- Template tree ------------------------------------------------------------- */

typedef enum
{
  NODE_TEXT,
  NODE_ACTION,
  NODE_IF,
  NODE_WITH,
  NODE_RANGE,
} NodeType;

typedef struct _Pipe Pipe;

typedef enum
{
  ARG_DOT,
  ARG_FIELDS,   /* .A.B: fields from dot */
  ARG_ROOT,     /* $ or $.A.B */
  ARG_STRING,
  ARG_NUMBER,
  ARG_BOOL,
  ARG_NIL,
  ARG_FUNCTION, /* first word of a command */
  ARG_PIPE,     /* ( pipeline ) possibly followed by fields */
} ArgType;

typedef struct
{
  ArgType type;
  GPtrArray *fields; /* char*; for FIELDS, ROOT, PIPE */
  char *text;        /* STRING, FUNCTION */
  gint64 number;
  gboolean truth;
  Pipe *pipe;
} Arg;

typedef struct
{
  GPtrArray *args; /* Arg* */
} Command;

struct _Pipe
{
  GPtrArray *commands; /* Command* */
};

typedef struct
{
  NodeType type;
  char *text;
  Pipe *pipe;
  GPtrArray *list;      /* Node* */
  GPtrArray *else_list; /* Node*, nullable */
} Node;

struct _CliTemplate
{
  GPtrArray *root; /* Node* */
};

static void pipe_free (Pipe *pipe);

static void
arg_free (gpointer data)
{
  Arg *arg = data;

  if (arg->fields != NULL)
    g_ptr_array_unref (arg->fields);
  g_free (arg->text);
  if (arg->pipe != NULL)
    pipe_free (arg->pipe);
  g_free (arg);
}

static void
command_free (gpointer data)
{
  Command *command = data;

  g_ptr_array_unref (command->args);
  g_free (command);
}

static void
pipe_free (Pipe *pipe)
{
  g_ptr_array_unref (pipe->commands);
  g_free (pipe);
}

static void
node_free (gpointer data)
{
  Node *node = data;

  g_free (node->text);
  if (node->pipe != NULL)
    pipe_free (node->pipe);
  if (node->list != NULL)
    g_ptr_array_unref (node->list);
  if (node->else_list != NULL)
    g_ptr_array_unref (node->else_list);
  g_free (node);
}

void
cli_template_free (CliTemplate *tmpl)
{
  if (tmpl == NULL)
    return;
  g_ptr_array_unref (tmpl->root);
  g_free (tmpl);
}

/* ---- Template parser ----------------------------------------------------------- */

/* The template is first cut into items: literal text and lexed actions. */
typedef struct
{
  gboolean is_text;
  char *text;
  GArray *tokens; /* Token; ends with TOK_END */
  int line;
} Item;

static void
item_clear (gpointer data)
{
  Item *item = data;

  g_free (item->text);
  if (item->tokens != NULL)
    g_array_unref (item->tokens);
}

static const char *const supported_functions[] = {
  "json", "index", "len", "join", "lower", "upper", "not", "and", "or", "eq", "ne", NULL
};

/* Functions Go or skopeo's report package define that skopos does not. */
static const char *const unsupported_functions[] = {
  "print", "printf", "println", "html", "js", "urlquery", "call", "slice", "lt", "le", "gt", "ge",
  "pad", "split", "title", "truncate", "humanize", "size", "headers", NULL
};

static void
trim_trailing_space (GString *text)
{
  while (text->len > 0 && is_space (text->str[text->len - 1]))
    g_string_truncate (text, text->len - 1);
}

static gboolean
cut_items (const char *text, GArray *items, GError **error)
{
  Lexer lx = { text, text, error };
  gboolean trim_next = FALSE;

  while (*lx.p != '\0')
    {
      const char *open = strstr (lx.p, "{{");
      const char *text_end = open != NULL ? open : lx.p + strlen (lx.p);
      g_autoptr (GString) literal = g_string_new_len (lx.p, text_end - lx.p);
      gboolean trim_left = FALSE;
      gboolean trim_right = FALSE;
      Item item = { 0 };

      if (trim_next)
        {
          gsize skip = 0;

          while (skip < literal->len && is_space (literal->str[skip]))
            skip++;
          g_string_erase (literal, 0, (gssize) skip);
        }

      if (open != NULL && open[2] == '-' && is_space (open[3]))
        trim_left = TRUE;
      if (trim_left)
        trim_trailing_space (literal);

      if (literal->len > 0)
        {
          Item text_item = { TRUE, g_string_free (g_steal_pointer (&literal), FALSE), NULL, 0 };
          g_array_append_val (items, text_item);
        }
      if (open == NULL)
        break;

      lx.p = open + (trim_left ? 4 : 2);

      /* A comment fills the whole action. */
      if (lx.p[0] == '/' && lx.p[1] == '*')
        {
          const char *close = strstr (lx.p + 2, "*/");
          gsize delim_len;

          if (close == NULL)
            return lex_error (&lx, CLI_TEMPLATE_ERROR_PARSE, "unclosed comment");
          lx.p = close + 2;
          if (!at_right_delim (lx.p, &trim_right, &delim_len))
            return lex_error (&lx, CLI_TEMPLATE_ERROR_PARSE,
                              "comment ends before closing delimiter");
          lx.p += delim_len;
          trim_next = trim_right;
          continue;
        }

      item.is_text = FALSE;
      item.line = line_of (text, open);
      item.tokens = g_array_new (FALSE, TRUE, sizeof (Token));
      g_array_set_clear_func (item.tokens, token_clear);
      if (!lex_action (&lx, item.tokens, &trim_right))
        {
          g_array_unref (item.tokens);
          return FALSE;
        }
      g_array_append_val (items, item);
      trim_next = trim_right;
    }
  return TRUE;
}

typedef struct
{
  GArray *items;
  guint index;  /* next item */
  Item *item;   /* the action being parsed */
  guint tok;    /* next token in it */
  GError **error;
} Parser;

static gboolean
parse_error (Parser *ps, int code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
parse_error (Parser *ps, int code, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (ps->error, CLI_TEMPLATE_ERROR, code, "template: %d: %s",
               ps->item != NULL ? ps->item->line : 1, message);
  return FALSE;
}

static Token *
peek (Parser *ps)
{
  return &g_array_index (ps->item->tokens, Token, ps->tok);
}

static Token *
next (Parser *ps)
{
  Token *token = peek (ps);

  if (token->type != TOK_END)
    ps->tok++;
  return token;
}

static Pipe *parse_pipe (Parser *ps, TokenType terminator);

/* Field names directly after an operand (no space): "$.A.B", "(x).A". */
static GPtrArray *
parse_trailing_fields (Parser *ps)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);

  while (peek (ps)->type == TOK_FIELD && !peek (ps)->space_before)
    g_ptr_array_add (fields, g_strdup (next (ps)->text));
  return fields;
}

static Arg *
parse_operand (Parser *ps, gboolean first)
{
  Token *token = next (ps);
  Arg *arg = g_new0 (Arg, 1);

  switch (token->type)
    {
    case TOK_DOT:
      arg->type = ARG_DOT;
      if (peek (ps)->type == TOK_FIELD && !peek (ps)->space_before)
        goto unexpected;
      return arg;

    case TOK_FIELD:
      arg->type = ARG_FIELDS;
      arg->fields = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (arg->fields, g_strdup (token->text));
      {
        g_autoptr (GPtrArray) more = parse_trailing_fields (ps);
        for (guint i = 0; i < more->len; i++)
          g_ptr_array_add (arg->fields, g_strdup (more->pdata[i]));
      }
      return arg;

    case TOK_VARIABLE:
      if (strcmp (token->text, "$") != 0)
        {
          parse_error (ps, CLI_TEMPLATE_ERROR_UNSUPPORTED,
                       "template variables (%s) are not supported", token->text);
          arg_free (arg);
          return NULL;
        }
      arg->type = ARG_ROOT;
      arg->fields = parse_trailing_fields (ps);
      return arg;

    case TOK_STRING:
      arg->type = ARG_STRING;
      arg->text = g_strdup (token->text);
      return arg;

    case TOK_NUMBER:
      arg->type = ARG_NUMBER;
      arg->number = token->number;
      return arg;

    case TOK_LPAREN:
      arg->type = ARG_PIPE;
      arg->pipe = parse_pipe (ps, TOK_RPAREN);
      if (arg->pipe == NULL)
        {
          arg_free (arg);
          return NULL;
        }
      next (ps); /* the ")" */
      arg->fields = parse_trailing_fields (ps);
      return arg;

    case TOK_IDENT:
      if (strcmp (token->text, "true") == 0 || strcmp (token->text, "false") == 0)
        {
          arg->type = ARG_BOOL;
          arg->truth = token->text[0] == 't';
          return arg;
        }
      if (strcmp (token->text, "nil") == 0)
        {
          arg->type = ARG_NIL;
          return arg;
        }
      if (g_strv_contains (supported_functions, token->text))
        {
          arg->type = ARG_FUNCTION;
          arg->text = g_strdup (token->text);
          if (!first)
            {
              /* Go allows a function name as an argument only to call it with no
               * arguments; none of ours makes sense that way. */
              parse_error (ps, CLI_TEMPLATE_ERROR_UNSUPPORTED,
                           "function \"%s\" used as an argument is not supported", token->text);
              arg_free (arg);
              return NULL;
            }
          return arg;
        }
      if (g_strv_contains (unsupported_functions, token->text))
        parse_error (ps, CLI_TEMPLATE_ERROR_UNSUPPORTED,
                     "the template function \"%s\" is not supported by skopos", token->text);
      else if (strcmp (token->text, "define") == 0 || strcmp (token->text, "template") == 0
               || strcmp (token->text, "block") == 0 || strcmp (token->text, "break") == 0
               || strcmp (token->text, "continue") == 0 || strcmp (token->text, "if") == 0
               || strcmp (token->text, "range") == 0 || strcmp (token->text, "with") == 0
               || strcmp (token->text, "else") == 0 || strcmp (token->text, "end") == 0)
        parse_error (ps, CLI_TEMPLATE_ERROR_PARSE, "unexpected <%s> in command", token->text);
      else
        parse_error (ps, CLI_TEMPLATE_ERROR_PARSE, "function \"%s\" not defined", token->text);
      arg_free (arg);
      return NULL;

    case TOK_DECLARE:
    case TOK_ASSIGN:
    case TOK_COMMA:
      parse_error (ps, CLI_TEMPLATE_ERROR_UNSUPPORTED,
                   "template variables are not supported");
      arg_free (arg);
      return NULL;

    case TOK_PIPE:
    case TOK_RPAREN:
    case TOK_END:
      break;
    }

unexpected:
  parse_error (ps, CLI_TEMPLATE_ERROR_PARSE, "unexpected token in operand");
  arg_free (arg);
  return NULL;
}

static Pipe *
parse_pipe (Parser *ps, TokenType terminator)
{
  Pipe *pipe = g_new0 (Pipe, 1);

  pipe->commands = g_ptr_array_new_with_free_func (command_free);

  if (peek (ps)->type == TOK_VARIABLE)
    {
      Token *after = &g_array_index (ps->item->tokens, Token, ps->tok + 1);

      if (after->type == TOK_DECLARE || after->type == TOK_ASSIGN || after->type == TOK_COMMA)
        {
          parse_error (ps, CLI_TEMPLATE_ERROR_UNSUPPORTED,
                       "template variables (%s) are not supported", peek (ps)->text);
          pipe_free (pipe);
          return NULL;
        }
    }

  for (;;)
    {
      Command *command = g_new0 (Command, 1);

      command->args = g_ptr_array_new_with_free_func (arg_free);
      g_ptr_array_add (pipe->commands, command);

      while (peek (ps)->type != TOK_PIPE && peek (ps)->type != terminator
             && peek (ps)->type != TOK_END && peek (ps)->type != TOK_RPAREN)
        {
          Arg *arg = parse_operand (ps, command->args->len == 0);

          if (arg == NULL)
            {
              pipe_free (pipe);
              return NULL;
            }
          g_ptr_array_add (command->args, arg);
        }

      if (command->args->len == 0)
        {
          parse_error (ps, CLI_TEMPLATE_ERROR_PARSE, "missing value for command");
          pipe_free (pipe);
          return NULL;
        }
      if (peek (ps)->type == TOK_PIPE)
        {
          next (ps);
          continue;
        }
      if (peek (ps)->type != terminator)
        {
          parse_error (ps, CLI_TEMPLATE_ERROR_PARSE, "unexpected %s in operand",
                       peek (ps)->type == TOK_RPAREN ? "right paren" : "end of action");
          pipe_free (pipe);
          return NULL;
        }
      return pipe;
    }
}

typedef enum
{
  STOP_EOF,
  STOP_END,
  STOP_ELSE,
} StopReason;

static gboolean parse_list (Parser *ps, GPtrArray *list, StopReason *out_stop);

static gboolean
expect_end_of_action (Parser *ps, const char *keyword)
{
  if (peek (ps)->type != TOK_END)
    return parse_error (ps, CLI_TEMPLATE_ERROR_PARSE, "unexpected token in {{%s}}", keyword);
  return TRUE;
}

/* After "if", "with" or "range" (or "else if"): the pipeline, the body, an optional
 * else part, and the {{end}}. */
static Node *
parse_control (Parser *ps, NodeType type, const char *keyword)
{
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (node_free);
  Node *node;
  StopReason stop;
  Pipe *pipe;

  if (peek (ps)->type == TOK_END)
    {
      parse_error (ps, CLI_TEMPLATE_ERROR_PARSE, "missing value for %s", keyword);
      return NULL;
    }
  pipe = parse_pipe (ps, TOK_END);
  if (pipe == NULL)
    return NULL;

  node = g_new0 (Node, 1);
  node->type = type;
  node->pipe = pipe;
  node->list = g_ptr_array_new_with_free_func (node_free);

  if (!parse_list (ps, node->list, &stop))
    goto fail;
  if (stop == STOP_EOF)
    {
      parse_error (ps, CLI_TEMPLATE_ERROR_PARSE, "unexpected EOF");
      goto fail;
    }
  if (stop == STOP_ELSE)
    {
      node->else_list = g_ptr_array_new_with_free_func (node_free);

      /* {{else if X}} is {{else}}{{if X}}...{{end}}, sharing the final {{end}}. */
      if (peek (ps)->type == TOK_IDENT
          && (strcmp (peek (ps)->text, "if") == 0 || strcmp (peek (ps)->text, "with") == 0))
        {
          const char *nested_keyword = next (ps)->text;
          Node *nested = parse_control (ps, nested_keyword[0] == 'i' ? NODE_IF : NODE_WITH,
                                        nested_keyword);

          if (nested == NULL)
            goto fail;
          g_ptr_array_add (node->else_list, nested);
          return node;
        }
      if (!expect_end_of_action (ps, "else"))
        goto fail;
      if (!parse_list (ps, node->else_list, &stop))
        goto fail;
      if (stop != STOP_END)
        {
          parse_error (ps, CLI_TEMPLATE_ERROR_PARSE,
                       stop == STOP_EOF ? "unexpected EOF" : "expected end; found {{else}}");
          goto fail;
        }
    }
  return node;

fail:
  node_free (node);
  return NULL;
}

static gboolean
parse_list (Parser *ps, GPtrArray *list, StopReason *out_stop)
{
  while (ps->index < ps->items->len)
    {
      Item *item = &g_array_index (ps->items, Item, ps->index++);
      Token *first;

      if (item->is_text)
        {
          Node *node = g_new0 (Node, 1);

          node->type = NODE_TEXT;
          node->text = g_strdup (item->text);
          g_ptr_array_add (list, node);
          continue;
        }

      ps->item = item;
      ps->tok = 0;
      first = peek (ps);

      if (first->type == TOK_END)
        return parse_error (ps, CLI_TEMPLATE_ERROR_PARSE, "missing value for command");

      if (first->type == TOK_IDENT)
        {
          const char *word = first->text;

          if (strcmp (word, "end") == 0)
            {
              next (ps);
              *out_stop = STOP_END;
              return expect_end_of_action (ps, "end");
            }
          if (strcmp (word, "else") == 0)
            {
              next (ps);
              *out_stop = STOP_ELSE;
              return TRUE;
            }
          if (strcmp (word, "if") == 0 || strcmp (word, "with") == 0
              || strcmp (word, "range") == 0)
            {
              NodeType type = word[0] == 'i' ? NODE_IF : word[0] == 'w' ? NODE_WITH : NODE_RANGE;
              Node *node;

              next (ps);
              node = parse_control (ps, type, word);
              if (node == NULL)
                return FALSE;
              g_ptr_array_add (list, node);
              continue;
            }
          if (strcmp (word, "define") == 0 || strcmp (word, "template") == 0
              || strcmp (word, "block") == 0 || strcmp (word, "break") == 0
              || strcmp (word, "continue") == 0)
            return parse_error (ps, CLI_TEMPLATE_ERROR_UNSUPPORTED,
                                "{{%s}} is not supported by skopos", word);
        }

      {
        Pipe *pipe = parse_pipe (ps, TOK_END);
        Node *node;

        if (pipe == NULL)
          return FALSE;
        node = g_new0 (Node, 1);
        node->type = NODE_ACTION;
        node->pipe = pipe;
        g_ptr_array_add (list, node);
      }
    }

  *out_stop = STOP_EOF;
  return TRUE;
}

CliTemplate *
cli_template_parse (const char *text, GError **error)
{
  g_autoptr (GArray) items = g_array_new (FALSE, TRUE, sizeof (Item));
  g_autoptr (GPtrArray) root = g_ptr_array_new_with_free_func (node_free);
  Parser ps = { 0 };
  StopReason stop;
  CliTemplate *tmpl;

  g_array_set_clear_func (items, item_clear);
  if (!cut_items (text, items, error))
    return NULL;

  ps.items = items;
  ps.error = error;
  if (!parse_list (&ps, root, &stop))
    return NULL;
  if (stop != STOP_EOF)
    {
      parse_error (&ps, CLI_TEMPLATE_ERROR_PARSE, "unexpected {{%s}}",
                   stop == STOP_END ? "end" : "else");
      return NULL;
    }

  tmpl = g_new0 (CliTemplate, 1);
  tmpl->root = g_steal_pointer (&root);
  return tmpl;
}

/* ---- Template execution -------------------------------------------------------- */

typedef struct
{
  GPtrArray *arena; /* CliValue* made while running */
  const CliValue *root;
  GString *out;
  GError **error;
} Exec;

static gboolean
exec_error (Exec *ex, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
exec_error (Exec *ex, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (ex->error, CLI_TEMPLATE_ERROR, CLI_TEMPLATE_ERROR_EXECUTE,
               "template: executing: %s", message);
  return FALSE;
}

static const CliValue *
keep (Exec *ex, CliValue *value)
{
  g_ptr_array_add (ex->arena, value);
  return value;
}

static gboolean
truth_of (const CliValue *value)
{
  if (value == NULL)
    return FALSE;
  switch (value->kind)
    {
    case CLI_VALUE_STRING:
      return value->text[0] != '\0';
    case CLI_VALUE_INT:
      return value->number != 0;
    case CLI_VALUE_BOOL:
      return value->truth;
    case CLI_VALUE_TIME:
      return !value->is_nil;
    case CLI_VALUE_LIST:
    case CLI_VALUE_MAP:
      return value->items->len > 0;
    case CLI_VALUE_STRUCT:
      return TRUE;
    }
  return FALSE;
}

static const CliField *
find_field (const CliValue *value, const char *name)
{
  for (guint i = 0; i < value->items->len; i++)
    {
      const CliField *field = value->items->pdata[i];

      if (strcmp (field->go_name, name) == 0)
        return field;
    }
  return NULL;
}

/* .Name on @receiver; *out may be NULL (Go's invalid value: a missing map key). */
static gboolean
eval_field (Exec *ex, const CliValue *receiver, const char *name, const CliValue **out)
{
  const CliField *field;

  if (receiver == NULL)
    {
      *out = NULL;
      return TRUE;
    }

  switch (receiver->kind)
    {
    case CLI_VALUE_STRUCT:
      field = find_field (receiver, name);
      if (field == NULL)
        return exec_error (ex, "can't evaluate field %s in type %s", name,
                           value_type_name (receiver));
      *out = field->value;
      return TRUE;

    case CLI_VALUE_MAP:
      field = find_field (receiver, name);
      *out = field != NULL ? field->value : NULL;
      return TRUE;

    case CLI_VALUE_TIME:
      if (receiver->is_nil)
        return exec_error (ex, "nil pointer evaluating *time.Time.%s", name);
      return exec_error (ex, "can't evaluate field %s in type *time.Time "
                             "(skopos templates cannot call methods)", name);

    case CLI_VALUE_STRING:
    case CLI_VALUE_INT:
    case CLI_VALUE_BOOL:
    case CLI_VALUE_LIST:
      break;
    }
  return exec_error (ex, "can't evaluate field %s in type %s", name, value_type_name (receiver));
}

static gboolean
eval_fields (Exec *ex, const CliValue *start, GPtrArray *fields, const CliValue **out)
{
  const CliValue *value = start;

  for (guint i = 0; fields != NULL && i < fields->len; i++)
    if (!eval_field (ex, value, fields->pdata[i], &value))
      return FALSE;
  *out = value;
  return TRUE;
}

static gboolean eval_pipe (Exec *ex, Pipe *pipe, const CliValue *dot, const CliValue **out);

static gboolean
eval_arg (Exec *ex, Arg *arg, const CliValue *dot, const CliValue **out)
{
  switch (arg->type)
    {
    case ARG_DOT:
      *out = dot;
      return TRUE;
    case ARG_FIELDS:
      return eval_fields (ex, dot, arg->fields, out);
    case ARG_ROOT:
      return eval_fields (ex, ex->root, arg->fields, out);
    case ARG_STRING:
      *out = keep (ex, cli_value_new_string (arg->text));
      return TRUE;
    case ARG_NUMBER:
      *out = keep (ex, cli_value_new_int (arg->number));
      return TRUE;
    case ARG_BOOL:
      *out = keep (ex, cli_value_new_bool (arg->truth));
      return TRUE;
    case ARG_NIL:
      return exec_error (ex, "nil is not a command");
    case ARG_PIPE:
      {
        const CliValue *value;

        if (!eval_pipe (ex, arg->pipe, dot, &value))
          return FALSE;
        return eval_fields (ex, value, arg->fields, out);
      }
    case ARG_FUNCTION:
      break;
    }
  return exec_error (ex, "function %s used as a value", arg->text);
}

static gboolean
want_string (Exec *ex, const char *function, const CliValue *value, const char **out)
{
  if (value == NULL || value->kind != CLI_VALUE_STRING)
    return exec_error (ex, "error calling %s: wrong type for value; expected string; got %s",
                       function, value_type_name (value));
  *out = value->text;
  return TRUE;
}

static gboolean
want_args (Exec *ex, const char *function, guint n, guint want_min, guint want_max)
{
  if (n < want_min || n > want_max)
    {
      if (want_min == want_max)
        return exec_error (ex, "wrong number of args for %s: want %u got %u", function, want_min,
                           n);
      return exec_error (ex, "wrong number of args for %s: want at least %u got %u", function,
                         want_min, n);
    }
  return TRUE;
}

static gboolean
basic_equal (Exec *ex, const CliValue *a, const CliValue *b, gboolean *out)
{
  if (a == NULL || b == NULL)
    return exec_error (ex, "error calling eq: invalid type for comparison");
  if (a->kind != b->kind)
    return exec_error (ex, "error calling eq: incompatible types for comparison");
  switch (a->kind)
    {
    case CLI_VALUE_STRING:
      *out = strcmp (a->text, b->text) == 0;
      return TRUE;
    case CLI_VALUE_INT:
      *out = a->number == b->number;
      return TRUE;
    case CLI_VALUE_BOOL:
      *out = !a->truth == !b->truth;
      return TRUE;
    case CLI_VALUE_TIME:
    case CLI_VALUE_LIST:
    case CLI_VALUE_MAP:
    case CLI_VALUE_STRUCT:
      break;
    }
  return exec_error (ex, "error calling eq: invalid type for comparison");
}

static gboolean
call_index (Exec *ex, const CliValue *const *args, guint n, const CliValue **out)
{
  const CliValue *item = args[0];

  for (guint i = 1; i < n; i++)
    {
      const CliValue *key = args[i];

      if (item == NULL)
        return exec_error (ex, "error calling index: index of untyped nil");
      if (item->kind == CLI_VALUE_LIST)
        {
          if (key == NULL || key->kind != CLI_VALUE_INT)
            return exec_error (ex, "error calling index: cannot index slice/array with type %s",
                               value_type_name (key));
          if (key->number < 0 || key->number >= (gint64) item->items->len)
            return exec_error (ex, "error calling index: index out of range: %" G_GINT64_FORMAT,
                               key->number);
          item = item->items->pdata[key->number];
        }
      else if (item->kind == CLI_VALUE_MAP)
        {
          const CliField *field;

          if (key == NULL || key->kind != CLI_VALUE_STRING)
            return exec_error (ex, "error calling index: value has type %s; should be string",
                               value_type_name (key));
          field = find_field (item, key->text);
          if (field != NULL)
            item = field->value;
          else if (item->elem_kind == CLI_VALUE_STRUCT)
            item = keep (ex, cli_value_new_struct ("struct {}"));
          else
            item = keep (ex, cli_value_new_string (""));
        }
      else
        return exec_error (ex, "error calling index: can't index item of type %s",
                           value_type_name (item));
    }
  *out = item;
  return TRUE;
}

static gboolean
call_function (Exec *ex, const char *name, const CliValue *const *args, guint n,
               const CliValue **out)
{
  if (strcmp (name, "json") == 0)
    {
      g_autoptr (GString) text = g_string_new (NULL);

      if (!want_args (ex, name, n, 1, 1))
        return FALSE;
      if (args[0] == NULL)
        g_string_append (text, "null");
      else
        cli_value_to_json (args[0], NULL, FALSE, text);
      *out = keep (ex, cli_value_new_string (text->str));
      return TRUE;
    }

  if (strcmp (name, "len") == 0)
    {
      const CliValue *v;

      if (!want_args (ex, name, n, 1, 1))
        return FALSE;
      v = args[0];
      if (v != NULL && (v->kind == CLI_VALUE_LIST || v->kind == CLI_VALUE_MAP))
        *out = keep (ex, cli_value_new_int (v->items->len));
      else if (v != NULL && v->kind == CLI_VALUE_STRING)
        *out = keep (ex, cli_value_new_int ((gint64) strlen (v->text)));
      else
        return exec_error (ex, "error calling len: len of type %s", value_type_name (v));
      return TRUE;
    }

  if (strcmp (name, "index") == 0)
    {
      if (!want_args (ex, name, n, 1, G_MAXUINT))
        return FALSE;
      return call_index (ex, args, n, out);
    }

  if (strcmp (name, "join") == 0)
    {
      const CliValue *list = args[0];
      const char *separator = NULL;
      g_autoptr (GString) text = g_string_new (NULL);

      if (!want_args (ex, name, n, 2, 2))
        return FALSE;
      if (list == NULL || list->kind != CLI_VALUE_LIST)
        return exec_error (ex, "error calling join: wrong type for value; expected []string; "
                               "got %s", value_type_name (list));
      if (!want_string (ex, name, args[1], &separator))
        return FALSE;
      for (guint i = 0; i < list->items->len; i++)
        {
          const char *s = NULL;

          if (!want_string (ex, name, list->items->pdata[i], &s))
            return FALSE;
          if (i > 0)
            g_string_append (text, separator);
          g_string_append (text, s);
        }
      *out = keep (ex, cli_value_new_string (text->str));
      return TRUE;
    }

  if (strcmp (name, "lower") == 0 || strcmp (name, "upper") == 0)
    {
      const char *s = NULL;
      g_autofree char *converted = NULL;

      if (!want_args (ex, name, n, 1, 1) || !want_string (ex, name, args[0], &s))
        return FALSE;
      converted = name[0] == 'l' ? g_utf8_strdown (s, -1) : g_utf8_strup (s, -1);
      *out = keep (ex, cli_value_new_string (converted));
      return TRUE;
    }

  if (strcmp (name, "not") == 0)
    {
      if (!want_args (ex, name, n, 1, 1))
        return FALSE;
      *out = keep (ex, cli_value_new_bool (!truth_of (args[0])));
      return TRUE;
    }

  if (strcmp (name, "and") == 0 || strcmp (name, "or") == 0)
    {
      gboolean want = name[0] == 'o';

      if (!want_args (ex, name, n, 1, G_MAXUINT))
        return FALSE;
      /* The first argument that decides, else the last one (Go's rule). */
      for (guint i = 0; i < n; i++)
        if (truth_of (args[i]) == want || i == n - 1)
          {
            *out = args[i];
            return TRUE;
          }
    }

  if (strcmp (name, "eq") == 0 || strcmp (name, "ne") == 0)
    {
      gboolean result = FALSE;

      if (name[0] == 'n' && !want_args (ex, name, n, 2, 2))
        return FALSE;
      if (!want_args (ex, name, n, 2, G_MAXUINT))
        return FALSE;
      for (guint i = 1; i < n && !result; i++)
        if (!basic_equal (ex, args[0], args[i], &result))
          return FALSE;
      *out = keep (ex, cli_value_new_bool (name[0] == 'e' ? result : !result));
      return TRUE;
    }

  return exec_error (ex, "function \"%s\" not defined", name);
}

static gboolean
eval_command (Exec *ex, Command *command, const CliValue *dot, gboolean has_final,
              const CliValue *final, const CliValue **out)
{
  Arg *first = command->args->pdata[0];

  if (first->type == ARG_FUNCTION)
    {
      g_autoptr (GPtrArray) args = g_ptr_array_new ();

      for (guint i = 1; i < command->args->len; i++)
        {
          const CliValue *value;

          if (!eval_arg (ex, command->args->pdata[i], dot, &value))
            return FALSE;
          g_ptr_array_add (args, (gpointer) value);
        }
      if (has_final)
        g_ptr_array_add (args, (gpointer) final);
      return call_function (ex, first->text, (const CliValue *const *) args->pdata, args->len,
                            out);
    }

  if (command->args->len > 1 || has_final)
    return exec_error (ex, "can't give argument to non-function");
  return eval_arg (ex, first, dot, out);
}

static gboolean
eval_pipe (Exec *ex, Pipe *pipe, const CliValue *dot, const CliValue **out)
{
  const CliValue *value = NULL;

  for (guint i = 0; i < pipe->commands->len; i++)
    if (!eval_command (ex, pipe->commands->pdata[i], dot, i > 0, value, &value))
      return FALSE;
  *out = value;
  return TRUE;
}

static gboolean exec_list (Exec *ex, GPtrArray *list, const CliValue *dot);

static gboolean
exec_node (Exec *ex, Node *node, const CliValue *dot)
{
  const CliValue *value;

  switch (node->type)
    {
    case NODE_TEXT:
      g_string_append (ex->out, node->text);
      return TRUE;

    case NODE_ACTION:
      if (!eval_pipe (ex, node->pipe, dot, &value))
        return FALSE;
      if (value == NULL)
        g_string_append (ex->out, "<no value>");
      else
        cli_value_print (value, ex->out);
      return TRUE;

    case NODE_IF:
    case NODE_WITH:
      if (!eval_pipe (ex, node->pipe, dot, &value))
        return FALSE;
      if (truth_of (value))
        return exec_list (ex, node->list, node->type == NODE_WITH ? value : dot);
      if (node->else_list != NULL)
        return exec_list (ex, node->else_list, dot);
      return TRUE;

    case NODE_RANGE:
      {
        guint count = 0;

        if (!eval_pipe (ex, node->pipe, dot, &value))
          return FALSE;
        if (value != NULL && value->kind != CLI_VALUE_LIST && value->kind != CLI_VALUE_MAP)
          {
            g_autoptr (GString) shown = g_string_new (NULL);

            cli_value_print (value, shown);
            return exec_error (ex, "range can't iterate over %s", shown->str);
          }
        if (value != NULL)
          count = value->items->len;
        for (guint i = 0; i < count; i++)
          {
            const CliValue *element = value->kind == CLI_VALUE_LIST
                                          ? value->items->pdata[i]
                                          : ((const CliField *) value->items->pdata[i])->value;

            if (!exec_list (ex, node->list, element))
              return FALSE;
          }
        if (count == 0 && node->else_list != NULL)
          return exec_list (ex, node->else_list, dot);
        return TRUE;
      }
    }
  return TRUE;
}

static gboolean
exec_list (Exec *ex, GPtrArray *list, const CliValue *dot)
{
  for (guint i = 0; i < list->len; i++)
    if (!exec_node (ex, list->pdata[i], dot))
      return FALSE;
  return TRUE;
}

gboolean
cli_template_execute (CliTemplate *tmpl, const CliValue *dot, GString *out, GError **error)
{
  g_autoptr (GPtrArray) arena = g_ptr_array_new_with_free_func ((GDestroyNotify) cli_value_free);
  g_autoptr (GString) buffer = g_string_new (NULL);
  Exec ex = { arena, dot, buffer, error };

  /* Nothing is written when the template fails part way. */
  if (!exec_list (&ex, tmpl->root, dot))
    return FALSE;
  g_string_append_len (out, buffer->str, (gssize) buffer->len);
  return TRUE;
}

/* ---- skopeo's --format --------------------------------------------------------- */

gboolean
cli_format_is_json (const char *format)
{
  return g_regex_match_simple ("^\\s*(json|{{\\s*json\\s*(\\.)?\\s*}})\\s*$", format, 0, 0);
}

static char *
normalize_format (const char *format)
{
  GString *out = g_string_new (NULL);

  for (const char *p = format; *p != '\0'; p++)
    {
      if (p[0] == '\\' && p[1] == 't')
        {
          g_string_append_c (out, '\t');
          p++;
        }
      else if (p[0] == '\\' && p[1] == 'n')
        {
          g_string_append_c (out, '\n');
          p++;
        }
      else
        g_string_append_c (out, *p);
    }
  if (out->len == 0 || out->str[out->len - 1] != '\n')
    g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

gboolean
cli_format_render (const char *format, const CliValue *data, GString *out, GError **error)
{
  g_autofree char *normalized = NULL;
  g_autoptr (CliTemplate) tmpl = NULL;
  g_autoptr (GError) first_error = NULL;
  gboolean ranges_over_dot;
  gboolean ok;

  if (g_str_has_prefix (format, "table "))
    {
      g_set_error (error, CLI_TEMPLATE_ERROR, CLI_TEMPLATE_ERROR_UNSUPPORTED,
                   "\"table\" formats are not supported by skopos");
      return FALSE;
    }

  /* skopeo runs the template over a one-element list, adding {{range .}} around it
   * unless the user wrote one. */
  ranges_over_dot =
      g_regex_match_simple ("{{\\s*range\\s*\\.\\s*}}.*{{\\s*end\\s*-?\\s*}}", format,
                            G_REGEX_DOTALL, 0);

  normalized = normalize_format (format);
  tmpl = cli_template_parse (normalized, &first_error);
  if (tmpl == NULL)
    {
      /* As skopeo: if the template with \n and \t replaced does not parse (a "\n"
       * inside a quoted string), the text as given gets a second chance. */
      tmpl = cli_template_parse (format, NULL);
      if (tmpl == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&first_error));
          return FALSE;
        }
    }

  if (!ranges_over_dot)
    return cli_template_execute (tmpl, data, out, error);

  {
    CliValue *wrapper = cli_value_new_list (FALSE);

    g_ptr_array_add (wrapper->items, (gpointer) data);
    ok = cli_template_execute (tmpl, wrapper, out, error);
    g_ptr_array_steal_index (wrapper->items, 0);
    cli_value_free (wrapper);
    return ok;
  }
}
