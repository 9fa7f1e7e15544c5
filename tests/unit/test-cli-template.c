/* test-cli-template.c: the CLI's Go-shaped values, their JSON encoding, Go time
 * parsing, and the text/template subset used by `inspect --format`.
 *
 * Expected strings are what Go (encoding/json, fmt, text/template) produces for the
 * same data; several were checked against skopeo 1.9.3 on the same image.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "skopos-check.h"
#include "cli-template.h"

/* A value shaped like skopeo's inspect output. */
static CliValue *
make_output (void)
{
  CliValue *out = cli_value_new_struct ("inspect.Output");
  CliValue *labels = cli_value_new_map (FALSE, CLI_VALUE_STRING);
  CliValue *layers = cli_value_new_list (FALSE);
  CliValue *data = cli_value_new_list (FALSE);
  CliValue *layer = cli_value_new_struct ("types.ImageInspectLayer");
  const char *env[] = { "PATH=/bin", "A=<b>&c", NULL };

  cli_value_map_insert (labels, "zeta", cli_value_new_string ("last"));
  cli_value_map_insert (labels, "alpha", cli_value_new_string ("first"));
  cli_value_list_append (layers, cli_value_new_string ("sha256:aaa"));
  cli_value_list_append (layers, cli_value_new_string ("sha256:bbb"));
  cli_value_struct_add (layer, "MIMEType", NULL, FALSE, cli_value_new_string ("text/x"));
  cli_value_struct_add (layer, "Digest", NULL, FALSE, cli_value_new_string ("sha256:aaa"));
  cli_value_struct_add (layer, "Size", NULL, FALSE, cli_value_new_int (42));
  cli_value_struct_add (layer, "Annotations", NULL, FALSE,
                        cli_value_new_map (TRUE, CLI_VALUE_STRING));
  cli_value_list_append (data, layer);

  cli_value_struct_add (out, "Name", NULL, TRUE, cli_value_new_string (""));
  cli_value_struct_add (out, "Tag", NULL, TRUE, cli_value_new_string ("v1"));
  cli_value_struct_add (out, "Digest", NULL, FALSE, cli_value_new_string ("sha256:top"));
  cli_value_struct_add (out, "RepoTags", NULL, FALSE, cli_value_new_list (FALSE));
  cli_value_struct_add (out, "Created", NULL, FALSE,
                        cli_value_new_go_time ("2024-01-02T03:04:05.500Z", NULL));
  cli_value_struct_add (out, "Labels", NULL, FALSE, labels);
  cli_value_struct_add (out, "Architecture", NULL, FALSE, cli_value_new_string ("amd64"));
  cli_value_struct_add (out, "Layers", NULL, FALSE, layers);
  cli_value_struct_add (out, "LayersData", NULL, FALSE, data);
  cli_value_struct_add (out, "Env", NULL, FALSE, cli_value_new_string_list (env));
  cli_value_struct_add (out, "Empty", NULL, FALSE, cli_value_new_list (TRUE));
  return out;
}

static char *
render (const char *format, GError **error)
{
  g_autoptr (CliValue) data = make_output ();
  g_autoptr (GString) out = g_string_new (NULL);

  if (!cli_format_render (format, data, out, error))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
assert_render (const char *format, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *got = render (format, &error);

  skopos_assert_no_error (error);
  ck_assert_msg (strcmp (got, expected) == 0, "format %s: expected [%s], got [%s]", format,
                 expected, got);
}

static void
assert_render_fails (const char *format, int code, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *got = render (format, &error);

  ck_assert_msg (got == NULL, "format %s should fail, got [%s]", format, got);
  skopos_assert_error (error, CLI_TEMPLATE_ERROR, code);
  ck_assert_msg (strstr (error->message, needle) != NULL, "format %s: [%s] lacks [%s]", format,
                 error->message, needle);
}

/* ---- JSON ---------------------------------------------------------------------- */

START_TEST (test_cli_template_json_indent)
{
  g_autoptr (CliValue) data = make_output ();
  g_autoptr (GString) out = g_string_new (NULL);
  const char *expected =
      "{\n"
      "    \"Tag\": \"v1\",\n"
      "    \"Digest\": \"sha256:top\",\n"
      "    \"RepoTags\": [],\n"
      "    \"Created\": \"2024-01-02T03:04:05.5Z\",\n"
      "    \"Labels\": {\n"
      "        \"alpha\": \"first\",\n"
      "        \"zeta\": \"last\"\n"
      "    },\n"
      "    \"Architecture\": \"amd64\",\n"
      "    \"Layers\": [\n"
      "        \"sha256:aaa\",\n"
      "        \"sha256:bbb\"\n"
      "    ],\n"
      "    \"LayersData\": [\n"
      "        {\n"
      "            \"MIMEType\": \"text/x\",\n"
      "            \"Digest\": \"sha256:aaa\",\n"
      "            \"Size\": 42,\n"
      "            \"Annotations\": null\n"
      "        }\n"
      "    ],\n"
      "    \"Env\": [\n"
      "        \"PATH=/bin\",\n"
      "        \"A=\\u003cb\\u003e\\u0026c\"\n"
      "    ],\n"
      "    \"Empty\": null\n"
      "}";

  cli_value_to_json (data, "    ", TRUE, out);
  ck_assert_str_eq (out->str, expected);
}
END_TEST

START_TEST (test_cli_template_json_compact)
{
  g_autoptr (CliValue) map = cli_value_new_map (FALSE, CLI_VALUE_STRING);
  g_autoptr (CliValue) empty_struct = cli_value_new_struct ("x");
  g_autoptr (CliValue) empty_map = cli_value_new_map (FALSE, CLI_VALUE_STRING);
  g_autoptr (GString) out = g_string_new (NULL);

  cli_value_map_insert (map, "b", cli_value_new_string ("<&>"));
  cli_value_map_insert (map, "a", cli_value_new_bool (TRUE));
  cli_value_map_insert (map, "b", cli_value_new_int (-7)); /* replaces */
  cli_value_to_json (map, NULL, FALSE, out);
  ck_assert_str_eq (out->str, "{\"a\":true,\"b\":-7}");

  g_string_truncate (out, 0);
  cli_value_to_json (empty_struct, "    ", TRUE, out);
  ck_assert_str_eq (out->str, "{}");
  g_string_truncate (out, 0);
  cli_value_to_json (empty_map, "    ", TRUE, out);
  ck_assert_str_eq (out->str, "{}");
}
END_TEST

START_TEST (test_cli_template_json_escapes)
{
  g_autoptr (GString) out = g_string_new (NULL);

  cli_json_append_string (out, "q\"b\\n\nr\rt\t\x01\x1f\x7f<>&"
                               "\xe2\x80\xa8\xe2\x80\xa9\xc3\xa9", TRUE);
  ck_assert_str_eq (out->str, "\"q\\\"b\\\\n\\nr\\rt\\t\\u0001\\u001f\x7f\\u003c\\u003e\\u0026"
                              "\\u2028\\u2029\xc3\xa9\"");

  g_string_truncate (out, 0);
  cli_json_append_string (out, "<a>&\xe2\x80\xa8", FALSE);
  ck_assert_str_eq (out->str, "\"<a>&\\u2028\"");

  /* Go writes U+FFFD for each byte that is not valid UTF-8. */
  g_string_truncate (out, 0);
  cli_json_append_string (out, "a\xff\xfe" "b\xc3", TRUE);
  ck_assert_str_eq (out->str, "\"a\\ufffd\\ufffdb\\ufffd\"");

  /* Go 1.19 (skopeo 1.9.3) writes \b and \f in the long form. */
  g_string_truncate (out, 0);
  cli_json_append_string (out, "\b\f", TRUE);
  ck_assert_str_eq (out->str, "\"\\u0008\\u000c\"");
}
END_TEST

START_TEST (test_cli_template_json_omitempty)
{
  g_autoptr (CliValue) s = cli_value_new_struct ("t");
  g_autoptr (GString) out = g_string_new (NULL);

  cli_value_struct_add (s, "A", "a", TRUE, cli_value_new_string (""));
  cli_value_struct_add (s, "B", "b", TRUE, cli_value_new_int (0));
  cli_value_struct_add (s, "C", "c", TRUE, cli_value_new_bool (FALSE));
  cli_value_struct_add (s, "D", "d", TRUE, cli_value_new_nil_time ());
  cli_value_struct_add (s, "E", "e", TRUE, cli_value_new_list (FALSE));
  cli_value_struct_add (s, "F", "f", TRUE, cli_value_new_map (TRUE, CLI_VALUE_STRING));
  cli_value_struct_add (s, "G", "g", TRUE, cli_value_new_struct ("inner"));
  cli_value_struct_add (s, "H", "os.version", FALSE, cli_value_new_string (""));
  cli_value_to_json (s, NULL, TRUE, out);
  ck_assert_str_eq (out->str, "{\"g\":{},\"os.version\":\"\"}");
}
END_TEST

/* ---- Go time and fmt --------------------------------------------------------------- */

static void
assert_time (const char *input, const char *json, const char *printed)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CliValue) t = cli_value_new_go_time (input, &error);
  g_autoptr (GString) out = g_string_new (NULL);

  skopos_assert_no_error (error);
  cli_value_to_json (t, NULL, TRUE, out);
  g_string_erase (out, 0, 1);
  g_string_truncate (out, out->len - 1);
  ck_assert_str_eq (out->str, json);
  g_string_truncate (out, 0);
  cli_value_print (t, out);
  ck_assert_str_eq (out->str, printed);
}

START_TEST (test_cli_template_time)
{
  assert_time ("2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z", "2024-01-02 03:04:05 +0000 UTC");
  assert_time ("2024-01-02T03:04:05.120000000Z", "2024-01-02T03:04:05.12Z",
               "2024-01-02 03:04:05.12 +0000 UTC");
  assert_time ("2024-01-02T03:04:05.000Z", "2024-01-02T03:04:05Z",
               "2024-01-02 03:04:05 +0000 UTC");
  assert_time ("2024-01-02T03:04:05.1234567891234+02:00", "2024-01-02T03:04:05.123456789+02:00",
               "2024-01-02 03:04:05.123456789 +0200 +0200");
  assert_time ("2024-01-02T03:04:05-05:30", "2024-01-02T03:04:05-05:30",
               "2024-01-02 03:04:05 -0530 -0530");
  assert_time ("2024-01-02T03:04:05+00:00", "2024-01-02T03:04:05Z",
               "2024-01-02 03:04:05 +0000 UTC");
  assert_time ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2024-02-29 00:00:00 +0000 UTC");
  /* Go 1.19's parser (Debian's skopeo) takes a one-digit hour. */
  assert_time ("2024-01-02T3:04:05Z", "2024-01-02T03:04:05Z", "2024-01-02 03:04:05 +0000 UTC");
}
END_TEST

START_TEST (test_cli_template_time_bad)
{
  const char *bad[] = { "", "2024-01-02", "2024-01-02 03:04:05Z", "2024-13-01T00:00:00Z",
                        "2023-02-29T00:00:00Z", "2024-01-02T24:00:00Z", "2024-01-02T03:04:05",
                        "2024-01-02T03:04:05Zjunk", "2024-01-02T03:04:05+0200",
                        "24-01-02T03:04:05Z", "2024-01-02T03:04:05.Z", NULL };

  for (gsize i = 0; bad[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CliValue) t = cli_value_new_go_time (bad[i], &error);

      ck_assert_msg (t == NULL, "'%s' should not parse", bad[i]);
      skopos_assert_error (error, CLI_TEMPLATE_ERROR, CLI_TEMPLATE_ERROR_VALUE);
    }
}
END_TEST

START_TEST (test_cli_template_print)
{
  g_autoptr (CliValue) data = make_output ();
  g_autoptr (CliValue) nil_time = cli_value_new_nil_time ();
  g_autoptr (GString) out = g_string_new (NULL);

  cli_value_print (data, out);
  ck_assert_str_eq (out->str, "{ v1 sha256:top [] 2024-01-02 03:04:05.5 +0000 UTC "
                              "map[alpha:first zeta:last] amd64 [sha256:aaa sha256:bbb] "
                              "[{text/x sha256:aaa 42 map[]}] [PATH=/bin A=<b>&c] []}");
  g_string_truncate (out, 0);
  cli_value_print (nil_time, out);
  ck_assert_str_eq (out->str, "<nil>");
}
END_TEST

/* ---- Templates ------------------------------------------------------------------- */

START_TEST (test_cli_template_fields)
{
  assert_render ("{{.Digest}}", "sha256:top\n");
  assert_render ("{{.Tag}} {{.Architecture}}\n", "v1 amd64\n");
  assert_render ("{{.Name}}|", "|\n");
  assert_render ("{{.Labels}}", "map[alpha:first zeta:last]\n");
  assert_render ("{{.Labels.alpha}}", "first\n");
  assert_render ("{{.Labels.missing}}", "<no value>\n");
  assert_render ("{{.Labels.missing.deeper}}", "<no value>\n");
  assert_render ("{{.Layers}}", "[sha256:aaa sha256:bbb]\n");
  assert_render ("{{.Created}}", "2024-01-02 03:04:05.5 +0000 UTC\n");
  assert_render ("{{.Empty}}", "[]\n");
  assert_render ("{{.RepoTags}}", "[]\n");
  assert_render ("{{$.Tag}}", "v1\n");
  assert_render ("{{(.Labels).zeta}}", "last\n");
  assert_render ("literal only", "literal only\n");
  assert_render ("", "\n");
}
END_TEST

START_TEST (test_cli_template_escapes_and_trim)
{
  assert_render ("a\\tb\\nc", "a\tb\nc\n");
  assert_render ("{{.Tag}}\\n", "v1\n");
  assert_render ("x {{- .Tag -}} \n y", "xv1y\n");
  assert_render ("a{{/* a comment */}}b", "ab\n");
  assert_render ("a {{- /* trimmed */ -}} b", "ab\n");
  /* "\n" inside a quoted string: the text with \n replaced does not parse, so the
   * text as given is used, without the added final newline (as skopeo does). */
  assert_render ("{{\"q\\x41\\u00e9\\n\"}}", "qA\xc3\xa9\n");
  assert_render ("{{index .Labels \"a\\nb\"}}", "");
  /* A raw string may hold a newline, so there the replacement stands. */
  assert_render ("{{`raw\\n`}}", "raw\n\n");
}
END_TEST

START_TEST (test_cli_template_control)
{
  assert_render ("{{range .Layers}}<{{.}}>{{end}}", "<sha256:aaa><sha256:bbb>\n");
  assert_render ("{{range .Labels}}{{.}},{{end}}", "first,last,\n");
  assert_render ("{{range .Empty}}x{{else}}none{{end}}", "none\n");
  assert_render ("{{range .LayersData}}{{.Digest}}={{.Size}}{{end}}", "sha256:aaa=42\n");
  assert_render ("{{if .Name}}named{{else if .Tag}}tagged{{else}}neither{{end}}", "tagged\n");
  assert_render ("{{if .Empty}}y{{else}}n{{end}}", "n\n");
  assert_render ("{{if .Labels.missing}}y{{else}}n{{end}}", "n\n");
  assert_render ("{{with .Labels}}{{.alpha}}{{end}}", "first\n");
  assert_render ("{{with .Name}}x{{else}}empty{{end}}", "empty\n");
  /* A template that ranges over "." itself sees the data as a one-element list. */
  assert_render ("{{range .}}{{.Tag}}{{end}}", "v1\n");
  assert_render ("{{ range . }}{{.Tag}}{{ end }}", "v1\n");
}
END_TEST

START_TEST (test_cli_template_functions)
{
  assert_render ("{{json .Labels}}", "{\"alpha\":\"first\",\"zeta\":\"last\"}\n");
  assert_render ("{{json .Env}}", "[\"PATH=/bin\",\"A=<b>&c\"]\n");
  assert_render ("{{.Env | json}}", "[\"PATH=/bin\",\"A=<b>&c\"]\n");
  assert_render ("{{json .Labels.missing}}", "null\n");
  assert_render ("{{json .Created}}", "\"2024-01-02T03:04:05.5Z\"\n");
  assert_render ("{{index .Labels \"zeta\"}}", "last\n");
  assert_render ("{{index .Labels \"nope\"}}", "\n");
  assert_render ("{{index .Layers 1}}", "sha256:bbb\n");
  assert_render ("{{index .LayersData 0 | json}}",
                 "{\"MIMEType\":\"text/x\",\"Digest\":\"sha256:aaa\",\"Size\":42,"
                 "\"Annotations\":null}\n");
  assert_render ("{{len .Layers}} {{len .Labels}} {{len .Tag}}", "2 2 2\n");
  assert_render ("{{join .Layers \",\"}}", "sha256:aaa,sha256:bbb\n");
  assert_render ("{{upper .Architecture}} {{lower \"ABC\"}}", "AMD64 abc\n");
  assert_render ("{{if eq .Architecture \"amd64\" \"arm64\"}}yes{{end}}", "yes\n");
  assert_render ("{{if ne .Tag \"v1\"}}yes{{else}}no{{end}}", "no\n");
  assert_render ("{{not .Name}} {{and .Tag .Name}}| {{or .Name .Tag}}", "true | v1\n");
  assert_render ("{{.Architecture | upper | lower}}", "amd64\n");
}
END_TEST

START_TEST (test_cli_template_exec_errors)
{
  assert_render_fails ("{{.Nope}}", CLI_TEMPLATE_ERROR_EXECUTE,
                       "can't evaluate field Nope in type inspect.Output");
  assert_render_fails ("{{.Tag.X}}", CLI_TEMPLATE_ERROR_EXECUTE, "can't evaluate field X");
  assert_render_fails ("{{index .Layers 5}}", CLI_TEMPLATE_ERROR_EXECUTE, "index out of range: 5");
  assert_render_fails ("{{index .Tag 0}}", CLI_TEMPLATE_ERROR_EXECUTE, "can't index");
  assert_render_fails ("{{range .Tag}}{{end}}", CLI_TEMPLATE_ERROR_EXECUTE,
                       "range can't iterate over v1");
  assert_render_fails ("{{len .Created}}", CLI_TEMPLATE_ERROR_EXECUTE, "len of type");
  assert_render_fails ("{{upper .Layers}}", CLI_TEMPLATE_ERROR_EXECUTE, "expected string");
  assert_render_fails ("{{json .Tag .Tag}}", CLI_TEMPLATE_ERROR_EXECUTE, "wrong number of args");
  assert_render_fails ("{{.Created.Year}}", CLI_TEMPLATE_ERROR_EXECUTE, "cannot call methods");
  assert_render_fails ("{{.Tag 1}}", CLI_TEMPLATE_ERROR_EXECUTE, "non-function");
}
END_TEST

START_TEST (test_cli_template_parse_errors)
{
  assert_render_fails ("{{.Tag", CLI_TEMPLATE_ERROR_PARSE, "unclosed action");
  assert_render_fails ("{{if .Tag}}x", CLI_TEMPLATE_ERROR_PARSE, "unexpected EOF");
  assert_render_fails ("x{{end}}", CLI_TEMPLATE_ERROR_PARSE, "unexpected {{end}}");
  assert_render_fails ("{{nosuch .Tag}}", CLI_TEMPLATE_ERROR_PARSE,
                       "function \"nosuch\" not defined");
  assert_render_fails ("{{}}", CLI_TEMPLATE_ERROR_PARSE, "missing value");
  assert_render_fails ("{{\"open}}", CLI_TEMPLATE_ERROR_PARSE, "unterminated quoted string");
  assert_render_fails ("{{/* open }}", CLI_TEMPLATE_ERROR_PARSE, "unclosed comment");
}
END_TEST

START_TEST (test_cli_template_unsupported)
{
  assert_render_fails ("{{printf \"%s\" .Tag}}", CLI_TEMPLATE_ERROR_UNSUPPORTED, "\"printf\"");
  assert_render_fails ("{{$x := .Tag}}{{$x}}", CLI_TEMPLATE_ERROR_UNSUPPORTED, "variables");
  assert_render_fails ("{{range $i, $e := .Layers}}{{end}}", CLI_TEMPLATE_ERROR_UNSUPPORTED,
                       "variables");
  assert_render_fails ("{{define \"x\"}}{{end}}", CLI_TEMPLATE_ERROR_UNSUPPORTED, "{{define}}");
  assert_render_fails ("{{template \"x\"}}", CLI_TEMPLATE_ERROR_UNSUPPORTED, "{{template}}");
  assert_render_fails ("{{range .Layers}}{{break}}{{end}}", CLI_TEMPLATE_ERROR_UNSUPPORTED,
                       "{{break}}");
  assert_render_fails ("table {{.Tag}}", CLI_TEMPLATE_ERROR_UNSUPPORTED, "table");
  assert_render_fails ("{{1.5}}", CLI_TEMPLATE_ERROR_UNSUPPORTED, "only integer constants");
  assert_render_fails ("{{.5}}", CLI_TEMPLATE_ERROR_UNSUPPORTED, "floating-point");
  assert_render_fails ("{{'a'}}", CLI_TEMPLATE_ERROR_UNSUPPORTED, "character constants");
}
END_TEST

START_TEST (test_cli_template_is_json)
{
  ck_assert (cli_format_is_json ("json"));
  ck_assert (cli_format_is_json ("  json "));
  ck_assert (cli_format_is_json ("{{json .}}"));
  ck_assert (cli_format_is_json ("{{ json . }}"));
  ck_assert (cli_format_is_json ("{{json}}"));
  ck_assert (!cli_format_is_json ("{{json .Labels}}"));
  ck_assert (!cli_format_is_json ("jsonx"));
  ck_assert (!cli_format_is_json (""));
}
END_TEST

START_TEST (test_cli_template_direct)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CliTemplate) tmpl = cli_template_parse ("{{.Tag}}|{{.Tag}}", &error);
  g_autoptr (CliValue) data = make_output ();
  g_autoptr (GString) out = g_string_new ("keep:");

  skopos_assert_no_error (error);
  ck_assert (cli_template_execute (tmpl, data, out, &error));
  ck_assert (cli_template_execute (tmpl, data, out, &error));
  ck_assert_str_eq (out->str, "keep:v1|v1v1|v1");

  /* Nothing is written when execution fails part way. */
  {
    g_autoptr (CliTemplate) failing = cli_template_parse ("partial{{.Nope}}", &error);
    skopos_assert_no_error (error);
    ck_assert (!cli_template_execute (failing, data, out, &error));
    ck_assert_str_eq (out->str, "keep:v1|v1v1|v1");
  }
}
END_TEST

static Suite *
cli_template_suite (void)
{
  Suite *s = suite_create ("CliTemplate");
  TCase *json = tcase_create ("json");
  TCase *values = tcase_create ("values");
  TCase *templates = tcase_create ("templates");

  tcase_add_test (json, test_cli_template_json_indent);
  tcase_add_test (json, test_cli_template_json_compact);
  tcase_add_test (json, test_cli_template_json_escapes);
  tcase_add_test (json, test_cli_template_json_omitempty);
  suite_add_tcase (s, json);

  tcase_add_test (values, test_cli_template_time);
  tcase_add_test (values, test_cli_template_time_bad);
  tcase_add_test (values, test_cli_template_print);
  suite_add_tcase (s, values);

  tcase_add_test (templates, test_cli_template_fields);
  tcase_add_test (templates, test_cli_template_escapes_and_trim);
  tcase_add_test (templates, test_cli_template_control);
  tcase_add_test (templates, test_cli_template_functions);
  tcase_add_test (templates, test_cli_template_exec_errors);
  tcase_add_test (templates, test_cli_template_parse_errors);
  tcase_add_test (templates, test_cli_template_unsupported);
  tcase_add_test (templates, test_cli_template_is_json);
  tcase_add_test (templates, test_cli_template_direct);
  suite_add_tcase (s, templates);
  return s;
}

SKOPOS_TEST_MAIN (cli_template_suite)
