/* cli-template.h: values shaped like the Go structs skopeo prints, their JSON form
 * (byte for byte what Go's encoding/json writes), and the subset of Go's text/template
 * that `inspect --format` takes.
 *
 * A CliValue is a small tree: strings, integers, booleans, times, lists, maps and
 * structs. Structs keep their fields in declaration order and know both the Go name
 * (what a template's .Field uses) and the JSON key (what the JSON output uses), so one
 * tree serves --format and the default output alike.
 *
 * Templates: literal text; {{.}}, {{.A.B}}, {{$}}, {{$.A}}; string, raw-string,
 * integer and boolean constants; pipelines with |; parentheses; {{if}}, {{else}},
 * {{else if}}, {{with}}, {{range}} (over lists and maps, with {{else}}), {{end}};
 * comment actions; trim markers {{- and -}}; the functions json, index, len,
 * join, lower, upper, not, and, or, eq, ne. Anything else (variables, printf,
 * define, template, block, break, continue, ...) is refused with an error that
 * names it.
 *
 * This file depends on GLib only, so the unit tests can build it alone.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CLI_VALUE_STRING,
  CLI_VALUE_INT,
  CLI_VALUE_BOOL,
  CLI_VALUE_TIME,   /* a Go time.Time, or *time.Time when it may be nil */
  CLI_VALUE_LIST,   /* a Go slice */
  CLI_VALUE_MAP,    /* a Go map with string keys: sorted keys on output */
  CLI_VALUE_STRUCT, /* a Go struct */
} CliValueKind;

typedef struct _CliValue CliValue;

CliValue *cli_value_new_string (const char *text);
CliValue *cli_value_new_int (gint64 number);
CliValue *cli_value_new_bool (gboolean truth);
/* @json_text: RFC 3339 with nanoseconds as Go marshals it; @print_text: what Go's
 * Time.String() gives ("2023-01-02 03:04:05 +0000 UTC"). */
CliValue *cli_value_new_time (const char *json_text, const char *print_text);
/* An RFC 3339 time as Go's time.Time parses it (the offset given is kept, nanoseconds
 * at most), with both text forms filled in; CLI_TEMPLATE_ERROR_VALUE if it is not
 * one. */
CliValue *cli_value_new_go_time (const char *rfc3339, GError **error);
/* Go's zero time.Time ("0001-01-01T00:00:00Z"). */
CliValue *cli_value_new_go_time_zero (void);
/* A nil *time.Time: null in JSON, "<nil>" in templates. */
CliValue *cli_value_new_nil_time (void);
/* A slice; @is_nil: a nil slice (null in JSON, [] in templates). */
CliValue *cli_value_new_list (gboolean is_nil);
/* A map; @elem_kind: what a missing key gives with index (the zero value of the
 * element type: "" for strings, an empty struct for CLI_VALUE_STRUCT). */
CliValue *cli_value_new_map (gboolean is_nil, CliValueKind elem_kind);
/* A struct; @type_name: the Go type for error messages ("inspect.Output"). */
CliValue *cli_value_new_struct (const char *type_name);
void cli_value_free (CliValue *value);

CliValueKind cli_value_get_kind (const CliValue *value);
gboolean cli_value_is_nil (const CliValue *value);

/* Takes ownership of @item. */
void cli_value_list_append (CliValue *list, CliValue *item);
void cli_value_map_insert (CliValue *map, const char *key, CliValue *item);
/* @json_name: the JSON key (NULL: the Go name); @omit_empty: Go's ",omitempty". */
void cli_value_struct_add (CliValue *strukt, const char *go_name, const char *json_name,
                           gboolean omit_empty, CliValue *item);

/* A field of a struct by Go name, borrowed; NULL if there is none. */
const CliValue *cli_value_struct_get (const CliValue *strukt, const char *go_name);
/* The text of a string value ("" for anything else). */
const char *cli_value_get_string (const CliValue *value);
CliValue *cli_value_copy (const CliValue *value);

/* Convenience: a list of strings; NULL @strv gives a nil slice. */
CliValue *cli_value_new_string_list (const char *const *strv);

/**
 * cli_value_to_json:
 * @indent: NULL for compact output (json.Marshal), else the indent unit
 *   (json.MarshalIndent (v, "", @indent))
 * @escape_html: escape < > & as \u003c \u003e \u0026 (Go's default; the template
 *   json function turns it off)
 *
 * Appends the JSON text of @value to @out, with no final newline.
 */
void cli_value_to_json (const CliValue *value, const char *indent, gboolean escape_html,
                        GString *out);

/* Appends @text as a Go JSON string literal. */
void cli_json_append_string (GString *out, const char *text, gboolean escape_html);

/* Appends @value as Go's fmt.Print would show it ("[a b]", "map[k:v]", "{x y}"). */
void cli_value_print (const CliValue *value, GString *out);

#define CLI_TEMPLATE_ERROR (cli_template_error_quark ())

typedef enum
{
  CLI_TEMPLATE_ERROR_PARSE,       /* not a valid template */
  CLI_TEMPLATE_ERROR_UNSUPPORTED, /* valid Go, outside the subset skopos implements */
  CLI_TEMPLATE_ERROR_EXECUTE,     /* failed while running (unknown field, bad index) */
  CLI_TEMPLATE_ERROR_VALUE,       /* a value that cannot be built (a bad time) */
} CliTemplateError;

GQuark cli_template_error_quark (void);

typedef struct _CliTemplate CliTemplate;

CliTemplate *cli_template_parse (const char *text, GError **error);
gboolean cli_template_execute (CliTemplate *tmpl, const CliValue *dot, GString *out,
                               GError **error);
void cli_template_free (CliTemplate *tmpl);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliTemplate, cli_template_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliValue, cli_value_free)

/* TRUE for the --format values that mean "the default JSON output": "json" and
 * "{{json .}}" (skopeo's report.IsJSON). */
gboolean cli_format_is_json (const char *format);

/**
 * cli_format_render:
 *
 * Renders a user's --format the way skopeo does: the two-character sequences \t and
 * \n become a tab and a newline, a final newline is added when missing, and the
 * data is seen as a one-element list when the template ranges over "." itself.
 * "table ..." formats are refused as unsupported.
 */
gboolean cli_format_render (const char *format, const CliValue *data, GString *out,
                            GError **error);

G_END_DECLS
