/* cli-options.c: the pflag-compatible option parser (see cli-options.h).
 *
 * pflag's rules, which scripts written for skopeo rely on:
 * - a value flag consumes the next argument whatever it looks like ("--format -x"
 *   sets the format to "-x");
 * - a boolean flag never consumes the next argument: "--all false" is --all plus an
 *   argument "false"; only "--all=false" turns it off;
 * - in a group of shorthands ("-qa", "-fvalue") the first flag that takes a value
 *   takes the rest of the group;
 * - "--" ends the options, and everything after it is an argument.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include "cli-options.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK (skopos-cli-error-quark, cli_error)

static gboolean
has_no_value (const CliOption *option)
{
  return option->type == CLI_OPTION_BOOL || option->type == CLI_OPTION_OPTIONAL_BOOL;
}

gboolean
cli_parse_bool (const char *text, gboolean *out_value)
{
  static const char *const truths[] = { "1", "t", "T", "TRUE", "true", "True", NULL };
  static const char *const falsehoods[] = { "0", "f", "F", "FALSE", "false", "False", NULL };

  if (g_strv_contains (truths, text))
    {
      *out_value = TRUE;
      return TRUE;
    }
  if (g_strv_contains (falsehoods, text))
    {
      *out_value = FALSE;
      return TRUE;
    }
  return FALSE;
}

/* Go's strconv.ParseInt (s, 0, 64): optional sign, then 0x/0o/0b/0 prefixes, and
 * underscores between digits when there is a prefix or the number is decimal. */
gboolean
cli_parse_int (const char *text, gint64 *out_value)
{
  const char *p = text;
  gboolean negative = FALSE;
  guint base = 10;
  guint64 magnitude = 0;
  gboolean any_digit = FALSE;
  gboolean last_underscore = FALSE;

  if (*p == '+' || *p == '-')
    negative = *p++ == '-';

  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
    base = 16, p += 2;
  else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
    base = 8, p += 2;
  else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
    base = 2, p += 2;
  else if (p[0] == '0' && p[1] != '\0')
    base = 8, p += 1, any_digit = TRUE;

  for (; *p != '\0'; p++)
    {
      int digit;

      if (*p == '_')
        {
          /* Only between digits, or between a base prefix and a digit. */
          if (last_underscore || (!any_digit && base == 10))
            return FALSE;
          last_underscore = TRUE;
          continue;
        }
      last_underscore = FALSE;
      digit = g_ascii_xdigit_value (*p);
      if (digit < 0 || (guint) digit >= base)
        return FALSE;
      if (magnitude > (G_MAXUINT64 - (guint) digit) / base)
        return FALSE;
      magnitude = magnitude * base + (guint) digit;
      any_digit = TRUE;
    }

  if (!any_digit || last_underscore)
    return FALSE;
  if (negative ? magnitude > (guint64) G_MAXINT64 + 1 : magnitude > (guint64) G_MAXINT64)
    return FALSE;

  *out_value = negative ? (gint64) (0 - magnitude) : (gint64) magnitude;
  return TRUE;
}

typedef struct
{
  const char *name;
  guint64 nanoseconds;
} DurationUnit;

static const DurationUnit duration_units[] = {
  { "ns", 1 },
  { "us", 1000 },
  { "\xc2\xb5s", 1000 }, /* U+00B5 MICRO SIGN */
  { "\xce\xbcs", 1000 }, /* U+03BC GREEK SMALL LETTER MU */
  { "ms", 1000 * 1000 },
  { "s", G_GUINT64_CONSTANT (1000000000) },
  { "m", G_GUINT64_CONSTANT (60000000000) },
  { "h", G_GUINT64_CONSTANT (3600000000000) },
};

/* Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ or a bare "0". */
gboolean
cli_parse_duration (const char *text, gint64 *out_nanoseconds, GError **error)
{
  const char *p = text;
  gboolean negative = FALSE;
  guint64 total = 0;

  if (*p == '+' || *p == '-')
    negative = *p++ == '-';

  if (strcmp (p, "0") == 0)
    {
      *out_nanoseconds = 0;
      return TRUE;
    }
  if (*p == '\0')
    {
      g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "time: invalid duration \"%s\"", text);
      return FALSE;
    }

  while (*p != '\0')
    {
      guint64 whole = 0;
      guint64 fraction = 0;
      guint64 scale = 1;
      gboolean have_whole = FALSE;
      gboolean have_fraction = FALSE;
      const char *unit_start;
      gsize unit_len;
      const DurationUnit *unit = NULL;
      guint64 value;

      if (!(*p == '.' || g_ascii_isdigit (*p)))
        {
          g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "time: invalid duration \"%s\"", text);
          return FALSE;
        }
      for (; g_ascii_isdigit (*p); p++)
        {
          if (whole > (G_MAXUINT64 - 9) / 10)
            {
              g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "time: invalid duration \"%s\"",
                           text);
              return FALSE;
            }
          whole = whole * 10 + (guint64) (*p - '0');
          have_whole = TRUE;
        }
      if (*p == '.')
        {
          p++;
          for (; g_ascii_isdigit (*p); p++)
            {
              /* Digits past what fits are dropped, as Go does. */
              if (scale < G_GUINT64_CONSTANT (1000000000000000000))
                {
                  fraction = fraction * 10 + (guint64) (*p - '0');
                  scale *= 10;
                }
              have_fraction = TRUE;
            }
        }
      if (!have_whole && !have_fraction)
        {
          g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "time: invalid duration \"%s\"", text);
          return FALSE;
        }

      unit_start = p;
      while (*p != '\0' && *p != '.' && !g_ascii_isdigit (*p))
        p++;
      unit_len = (gsize) (p - unit_start);
      if (unit_len == 0)
        {
          g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
                       "time: missing unit in duration \"%s\"", text);
          return FALSE;
        }
      for (gsize i = 0; i < G_N_ELEMENTS (duration_units); i++)
        if (strlen (duration_units[i].name) == unit_len
            && strncmp (duration_units[i].name, unit_start, unit_len) == 0)
          unit = &duration_units[i];
      if (unit == NULL)
        {
          g_autofree char *unit_text = g_strndup (unit_start, unit_len);
          g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
                       "time: unknown unit \"%s\" in duration \"%s\"", unit_text, text);
          return FALSE;
        }

      if (whole > (guint64) G_MAXINT64 / unit->nanoseconds)
        {
          g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "time: invalid duration \"%s\"", text);
          return FALSE;
        }
      value = whole * unit->nanoseconds;
      value += (guint64) ((double) fraction * ((double) unit->nanoseconds / (double) scale));
      total += value;
      if (total > (guint64) G_MAXINT64)
        {
          g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "time: invalid duration \"%s\"", text);
          return FALSE;
        }
    }

  *out_nanoseconds = negative ? -(gint64) total : (gint64) total;
  return TRUE;
}

/* Appends the fraction of @value / 10^@precision without trailing zeros (".5"),
 * nothing when it is zero; returns @value / 10^@precision. */
static guint64
format_fraction (GString *digits, guint64 value, int precision)
{
  char buf[32];
  int len = 0;
  gboolean printing = FALSE;

  for (int i = 0; i < precision; i++)
    {
      guint digit = (guint) (value % 10);
      printing = printing || digit != 0;
      if (printing)
        buf[len++] = (char) ('0' + digit);
      value /= 10;
    }
  if (printing)
    {
      g_string_append_c (digits, '.');
      while (len > 0)
        g_string_append_c (digits, buf[--len]);
    }
  return value;
}

char *
cli_format_duration (gint64 nanoseconds)
{
  guint64 u = nanoseconds < 0 ? (guint64) 0 - (guint64) nanoseconds : (guint64) nanoseconds;
  g_autoptr (GString) fraction = g_string_new (NULL);
  GString *out = g_string_new (nanoseconds < 0 ? "-" : "");

  if (u == 0)
    {
      g_string_free (out, TRUE);
      return g_strdup ("0s");
    }

  if (u < G_GUINT64_CONSTANT (1000000000))
    {
      const char *unit;
      int precision;

      if (u < 1000)
        unit = "ns", precision = 0;
      else if (u < 1000000)
        unit = "\xc2\xb5s", precision = 3;
      else
        unit = "ms", precision = 6;
      u = format_fraction (fraction, u, precision);
      g_string_append_printf (out, "%" G_GUINT64_FORMAT "%s%s", u, fraction->str, unit);
      return g_string_free (out, FALSE);
    }

  u = format_fraction (fraction, u, 9);
  {
    guint64 seconds = u % 60;
    guint64 minutes = (u / 60) % 60;
    guint64 hours = u / 3600;

    if (hours > 0)
      g_string_append_printf (out, "%" G_GUINT64_FORMAT "h", hours);
    if (hours > 0 || minutes > 0)
      g_string_append_printf (out, "%" G_GUINT64_FORMAT "m", minutes);
    g_string_append_printf (out, "%" G_GUINT64_FORMAT "%ss", seconds, fraction->str);
  }
  return g_string_free (out, FALSE);
}

/* One record of Go's encoding/csv, as pflag reads a StringSlice value. */
static gboolean
split_csv (const char *text, GPtrArray *out, GError **error)
{
  const char *p = text;

  if (*text == '\0')
    return TRUE;

  for (;;)
    {
      g_autoptr (GString) field = g_string_new (NULL);

      if (*p == '"')
        {
          p++;
          for (;;)
            {
              if (*p == '\0')
                {
                  g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
                               "extraneous or missing \" in quoted-field");
                  return FALSE;
                }
              if (*p == '"' && p[1] == '"')
                {
                  g_string_append_c (field, '"');
                  p += 2;
                  continue;
                }
              if (*p == '"')
                {
                  p++;
                  break;
                }
              g_string_append_c (field, *p++);
            }
          if (*p != ',' && *p != '\0')
            {
              g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
                           "extraneous or missing \" in quoted-field");
              return FALSE;
            }
        }
      else
        {
          for (; *p != ',' && *p != '\0'; p++)
            {
              if (*p == '"')
                {
                  g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "bare \" in non-quoted-field");
                  return FALSE;
                }
              g_string_append_c (field, *p);
            }
        }

      g_ptr_array_add (out, g_string_free (g_steal_pointer (&field), FALSE));
      if (*p == '\0')
        return TRUE;
      p++;
    }
}

/* pflag's wording: invalid argument "x" for "-f, --format" flag: why */
static gboolean
invalid_argument (const CliOption *option, const char *value, const char *why, GError **error)
{
  g_autofree char *shorthand = NULL;

  if (option->short_name != 0)
    shorthand = g_strdup_printf ("-%c, ", option->short_name);
  g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "invalid argument \"%s\" for \"%s--%s\" flag: %s",
               value, shorthand != NULL ? shorthand : "", option->name, why);
  return FALSE;
}

static GPtrArray *
ensure_string_array (gpointer target)
{
  GPtrArray **array = target;

  if (*array == NULL)
    *array = g_ptr_array_new_with_free_func (g_free);
  return *array;
}

static gboolean
set_value (const CliOption *option, const char *value, GHashTable *seen, GError **error)
{
  gboolean first_time = !g_hash_table_contains (seen, option);

  g_hash_table_add (seen, (gpointer) option);

  if (option->flags & CLI_OPTION_FLAG_UNSUPPORTED)
    {
      g_set_error (error, CLI_ERROR, CLI_ERROR_UNSUPPORTED, "--%s is not supported yet",
                   option->name);
      return FALSE;
    }

  switch (option->type)
    {
    case CLI_OPTION_BOOL:
    case CLI_OPTION_OPTIONAL_BOOL:
      {
        gboolean b;

        if (!cli_parse_bool (value, &b))
          {
            g_autofree char *why =
                g_strdup_printf ("strconv.ParseBool: parsing \"%s\": invalid syntax", value);
            return invalid_argument (option, value, why, error);
          }
        if (option->type == CLI_OPTION_BOOL)
          *(gboolean *) option->target = b;
        else
          {
            CliOptionalBool *ob = option->target;
            ob->present = TRUE;
            ob->value = b;
          }
        return TRUE;
      }

    case CLI_OPTION_STRING:
      {
        char **s = option->target;
        g_free (*s);
        *s = g_strdup (value);
        return TRUE;
      }

    case CLI_OPTION_OPTIONAL_STRING:
      {
        CliOptionalString *os = option->target;
        g_free (os->value);
        os->value = g_strdup (value);
        os->present = TRUE;
        return TRUE;
      }

    case CLI_OPTION_STRING_SLICE:
      {
        GPtrArray *array = ensure_string_array (option->target);
        g_autoptr (GError) local_error = NULL;

        /* The first use replaces the default, later ones add to it. */
        if (first_time)
          g_ptr_array_set_size (array, 0);
        if (!split_csv (value, array, &local_error))
          return invalid_argument (option, value, local_error->message, error);
        return TRUE;
      }

    case CLI_OPTION_STRING_ARRAY:
      g_ptr_array_add (ensure_string_array (option->target), g_strdup (value));
      return TRUE;

    case CLI_OPTION_INT:
    case CLI_OPTION_OPTIONAL_INT:
    case CLI_OPTION_UINT:
      {
        gint64 n;

        if (!cli_parse_int (value, &n) || (option->type == CLI_OPTION_UINT && n < 0))
          {
            g_autofree char *why =
                g_strdup_printf ("strconv.Parse%s: parsing \"%s\": invalid syntax",
                                 option->type == CLI_OPTION_UINT ? "Uint" : "Int", value);
            return invalid_argument (option, value, why, error);
          }
        if (option->type == CLI_OPTION_INT)
          *(gint64 *) option->target = n;
        else if (option->type == CLI_OPTION_UINT)
          *(guint64 *) option->target = (guint64) n;
        else
          {
            CliOptionalInt *oi = option->target;
            oi->present = TRUE;
            oi->value = n;
          }
        return TRUE;
      }

    case CLI_OPTION_INT_SLICE:
      {
        GArray **array = option->target;
        g_auto (GStrv) parts = NULL;

        if (*array == NULL)
          *array = g_array_new (FALSE, FALSE, sizeof (gint64));
        if (first_time)
          g_array_set_size (*array, 0);
        if (*value == '\0')
          return TRUE;
        parts = g_strsplit (value, ",", -1);
        for (char **part = parts; *part != NULL; part++)
          {
            gint64 n;

            if (!cli_parse_int (*part, &n))
              {
                g_autofree char *why =
                    g_strdup_printf ("strconv.Atoi: parsing \"%s\": invalid syntax", *part);
                return invalid_argument (option, value, why, error);
              }
            g_array_append_val (*array, n);
          }
        return TRUE;
      }

    case CLI_OPTION_DURATION:
      {
        g_autoptr (GError) local_error = NULL;
        gint64 ns;

        if (!cli_parse_duration (value, &ns, &local_error))
          return invalid_argument (option, value, local_error->message, error);
        *(gint64 *) option->target = ns;
        return TRUE;
      }
    }

  g_assert_not_reached ();
}

static const CliOption *
find_long (const CliOption *const *groups, const char *name, gsize len)
{
  for (gsize g = 0; groups[g] != NULL; g++)
    for (const CliOption *o = groups[g]; o->name != NULL; o++)
      if (strlen (o->name) == len && strncmp (o->name, name, len) == 0)
        return o;
  return NULL;
}

static const CliOption *
find_short (const CliOption *const *groups, char c)
{
  for (gsize g = 0; groups[g] != NULL; g++)
    for (const CliOption *o = groups[g]; o->name != NULL; o++)
      if (o->short_name == c)
        return o;
  return NULL;
}

/* --help and -h exist for every command, as cobra adds them. */
static gboolean
set_help (const char *value, gboolean *out_help, GError **error)
{
  gboolean b;

  if (!cli_parse_bool (value, &b))
    {
      g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
                   "invalid argument \"%s\" for \"-h, --help\" flag: strconv.ParseBool: "
                   "parsing \"%s\": invalid syntax", value, value);
      return FALSE;
    }
  *out_help = b;
  return TRUE;
}

static gboolean
parse_long (const CliOption *const *groups, char **args, gsize n_args, gsize *index,
            GHashTable *seen, gboolean *out_help, GError **error)
{
  const char *arg = args[*index];
  const char *name = arg + 2;
  const char *eq = strchr (name, '=');
  gsize name_len = eq != NULL ? (gsize) (eq - name) : strlen (name);
  const CliOption *option;
  const char *value;

  if (name_len == 0 || name[0] == '-' || name[0] == '=')
    {
      g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "bad flag syntax: %s", arg);
      return FALSE;
    }

  option = find_long (groups, name, name_len);
  if (option == NULL)
    {
      g_autofree char *bare = g_strndup (name, name_len);

      if (strcmp (bare, "help") == 0)
        return set_help (eq != NULL ? eq + 1 : "true", out_help, error);
      g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "unknown flag: --%s", bare);
      return FALSE;
    }

  if (eq != NULL)
    value = eq + 1;
  else if (has_no_value (option))
    value = "true";
  else if (*index + 1 < n_args)
    value = args[++*index];
  else
    {
      g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "flag needs an argument: --%s",
                   option->name);
      return FALSE;
    }

  return set_value (option, value, seen, error);
}

static gboolean
parse_shorts (const CliOption *const *groups, char **args, gsize n_args, gsize *index,
              GHashTable *seen, gboolean *out_help, GError **error)
{
  const char *arg = args[*index];
  const char *rest = arg + 1;

  while (*rest != '\0')
    {
      char c = *rest;
      const CliOption *option = find_short (groups, c);
      const char *value;

      if (option == NULL)
        {
          if (c == 'h')
            {
              if (rest[1] == '=')
                return set_help (rest + 2, out_help, error);
              *out_help = TRUE;
              rest++;
              continue;
            }
          g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "unknown shorthand flag: '%c' in %s",
                       c, arg);
          return FALSE;
        }

      if (rest[1] == '=')
        {
          value = rest + 2;
          rest += strlen (rest);
        }
      else if (has_no_value (option))
        {
          value = "true";
          rest++;
        }
      else if (rest[1] != '\0')
        {
          value = rest + 1;
          rest += strlen (rest);
        }
      else if (*index + 1 < n_args)
        {
          value = args[++*index];
          rest++;
        }
      else
        {
          g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "flag needs an argument: '%c' in -%c",
                       c, c);
          return FALSE;
        }

      if (!set_value (option, value, seen, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
cli_options_parse (const CliOption *const *groups,
                   char **args,
                   gsize n_args,
                   gboolean interspersed,
                   GPtrArray **out_args,
                   gboolean *out_help,
                   GError **error)
{
  g_autoptr (GPtrArray) positional = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  gboolean help = FALSE;

  for (gsize i = 0; i < n_args; i++)
    {
      const char *arg = args[i];

      if (arg[0] != '-' || arg[1] == '\0')
        {
          if (!interspersed)
            {
              for (; i < n_args; i++)
                g_ptr_array_add (positional, g_strdup (args[i]));
              break;
            }
          g_ptr_array_add (positional, g_strdup (arg));
          continue;
        }

      if (strcmp (arg, "--") == 0)
        {
          for (i++; i < n_args; i++)
            g_ptr_array_add (positional, g_strdup (args[i]));
          break;
        }

      if (arg[1] == '-')
        {
          if (!parse_long (groups, args, n_args, &i, seen, &help, error))
            return FALSE;
        }
      else if (!parse_shorts (groups, args, n_args, &i, seen, &help, error))
        return FALSE;
    }

  if (out_help != NULL)
    *out_help = help;
  *out_args = g_steal_pointer (&positional);
  return TRUE;
}

void
cli_options_clear (const CliOption *options)
{
  for (const CliOption *o = options; o->name != NULL; o++)
    {
      switch (o->type)
        {
        case CLI_OPTION_STRING:
          g_clear_pointer ((char **) o->target, g_free);
          break;
        case CLI_OPTION_OPTIONAL_STRING:
          g_clear_pointer (&((CliOptionalString *) o->target)->value, g_free);
          break;
        case CLI_OPTION_STRING_SLICE:
        case CLI_OPTION_STRING_ARRAY:
          g_clear_pointer ((GPtrArray **) o->target, g_ptr_array_unref);
          break;
        case CLI_OPTION_INT_SLICE:
          g_clear_pointer ((GArray **) o->target, g_array_unref);
          break;
        case CLI_OPTION_BOOL:
        case CLI_OPTION_OPTIONAL_BOOL:
        case CLI_OPTION_INT:
        case CLI_OPTION_OPTIONAL_INT:
        case CLI_OPTION_UINT:
        case CLI_OPTION_DURATION:
          break;
        }
    }
}

static const char *
type_placeholder (const CliOption *option)
{
  if (option->arg_name != NULL)
    return option->arg_name;

  switch (option->type)
    {
    case CLI_OPTION_BOOL:
    case CLI_OPTION_OPTIONAL_BOOL:
      return "";
    case CLI_OPTION_STRING:
    case CLI_OPTION_OPTIONAL_STRING:
      return "string";
    case CLI_OPTION_STRING_SLICE:
    case CLI_OPTION_STRING_ARRAY:
      return "strings";
    case CLI_OPTION_INT:
    case CLI_OPTION_OPTIONAL_INT:
      return "int";
    case CLI_OPTION_UINT:
      return "uint";
    case CLI_OPTION_INT_SLICE:
      return "ints";
    case CLI_OPTION_DURATION:
      return "duration";
    }
  return "";
}

static int
compare_options (gconstpointer a, gconstpointer b)
{
  const CliOption *const *oa = a;
  const CliOption *const *ob = b;

  return strcmp ((*oa)->name, (*ob)->name);
}

void
cli_options_format_help (const CliOption *const *groups, GString *out)
{
  static const CliOption help_option = { "help", 'h', CLI_OPTION_BOOL, NULL, NULL,
                                         "show this help", 0 };
  g_autoptr (GPtrArray) shown = g_ptr_array_new ();
  g_autoptr (GPtrArray) heads = g_ptr_array_new_with_free_func (g_free);
  gsize width = 0;

  for (gsize g = 0; groups[g] != NULL; g++)
    for (const CliOption *o = groups[g]; o->name != NULL; o++)
      if (!(o->flags & (CLI_OPTION_FLAG_HIDDEN | CLI_OPTION_FLAG_UNSUPPORTED)))
        g_ptr_array_add (shown, (gpointer) o);
  if (find_long (groups, "help", 4) == NULL)
    g_ptr_array_add (shown, (gpointer) &help_option);
  g_ptr_array_sort (shown, compare_options);

  for (guint i = 0; i < shown->len; i++)
    {
      const CliOption *o = shown->pdata[i];
      const char *placeholder = type_placeholder (o);
      char *head;

      if (o->short_name != 0)
        head = g_strdup_printf ("  -%c, --%s%s%s", o->short_name, o->name,
                                *placeholder != '\0' ? " " : "", placeholder);
      else
        head = g_strdup_printf ("      --%s%s%s", o->name, *placeholder != '\0' ? " " : "",
                                placeholder);
      width = MAX (width, strlen (head));
      g_ptr_array_add (heads, head);
    }

  for (guint i = 0; i < shown->len; i++)
    {
      const CliOption *o = shown->pdata[i];
      const char *head = heads->pdata[i];

      g_string_append_printf (out, "%-*s   %s\n", (int) width, head, o->help);
    }
}
