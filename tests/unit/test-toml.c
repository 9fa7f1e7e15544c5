/* test-toml.c: the TOML reader (core/skopos-toml.c): what registries.conf files use,
 * TOML's rules on redefinition, and clear errors with line numbers for bad input.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "skopos-check.h"
#include "skopos-toml.h"

/* Parses @text and returns it as compact JSON, for easy comparison. */
static char *
toml_to_json (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = _skopos_toml_parse (text, "test.toml", &error);
  skopos_assert_no_error (error);
  ck_assert_ptr_nonnull (node);
  return json_to_string (node, FALSE);
}

static void
expect_json (const char *text, const char *json)
{
  g_autofree char *got = toml_to_json (text);
  ck_assert_str_eq (got, json);
}

/* @text must fail with an error containing @where and @what. */
static void
expect_error (const char *text, const char *where, const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = _skopos_toml_parse (text, "test.toml", &error);
  ck_assert_msg (node == NULL, "accepted: %s", text);
  skopos_assert_error (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA);
  ck_assert_msg (strstr (error->message, where) != NULL, "'%s' lacks '%s'", error->message, where);
  ck_assert_msg (strstr (error->message, what) != NULL, "'%s' lacks '%s'", error->message, what);
}

START_TEST (test_toml_registries_conf_shape)
{
  expect_json ("# a comment\n"
               "unqualified-search-registries = [\"registry.fedoraproject.org\", "
               "\"docker.io\"]  # trailing\n"
               "\n"
               "[[registry]]\n"
               "prefix = \"example.com/foo\"\n"
               "insecure = false\n"
               "blocked = true\n"
               "location = \"internal.example.com/bar\"\n"
               "\n"
               "[[registry.mirror]]\n"
               "location = \"mirror-1.example.com/bar\"\n"
               "pull-from-mirror = 'digest-only'\n"
               "\n"
               "[[registry.mirror]]\n"
               "location = \"mirror-2.example.com\"\n"
               "\n"
               "[[registry]]\n"
               "location = \"second.example\"\n",
               "{\"unqualified-search-registries\":[\"registry.fedoraproject.org\",\"docker.io\"],"
               "\"registry\":[{\"prefix\":\"example.com/foo\",\"insecure\":false,\"blocked\":true,"
               "\"location\":\"internal.example.com/bar\",\"mirror\":[{\"location\":"
               "\"mirror-1.example.com/bar\",\"pull-from-mirror\":\"digest-only\"},"
               "{\"location\":\"mirror-2.example.com\"}]},{\"location\":\"second.example\"}]}");
}
END_TEST

START_TEST (test_toml_version1_tables)
{
  expect_json ("[registries.search]\nregistries = ['a.example']\n"
               "[registries.insecure]\nregistries = []\n"
               "[registries.block]\nregistries = [\n  \"b.example\",\n  # why\n"
               "  \"c.example\",\n]\n",
               "{\"registries\":{\"search\":{\"registries\":[\"a.example\"]},\"insecure\":"
               "{\"registries\":[]},\"block\":{\"registries\":[\"b.example\",\"c.example\"]}}}");
}
END_TEST

START_TEST (test_toml_strings)
{
  expect_json ("a = \"tab\\tq\\\"b\\\\s\\u00e9\\U0001F600\"\n",
               "{\"a\":\"tab\\tq\\\"b\\\\sé😀\"}");
  expect_json ("a = 'C:\\path\\no\\escapes'\n", "{\"a\":\"C:\\\\path\\\\no\\\\escapes\"}");
  expect_json ("a = \"\"\"\nline1\nline2\"\"\"\n", "{\"a\":\"line1\\nline2\"}");
  expect_json ("a = \"\"\"one \\\n    two\"\"\"\n", "{\"a\":\"one two\"}");
  expect_json ("a = '''\nraw \\n'''\n", "{\"a\":\"raw \\\\n\"}");
  expect_json ("a = \"\"\"x\"\"\"\"\n", "{\"a\":\"x\\\"\"}");
  expect_json ("\"quoted key\" = 1\n'lit.key' = 2\n", "{\"quoted key\":1,\"lit.key\":2}");
}
END_TEST

START_TEST (test_toml_numbers_and_booleans)
{
  expect_json ("a = 42\nb = -17\nc = +3\nd = 1_000\ne = 0x1F\nf = 0o17\ng = 0b101\nh = true\n"
               "i = false\n",
               "{\"a\":42,\"b\":-17,\"c\":3,\"d\":1000,\"e\":31,\"f\":15,\"g\":5,\"h\":true,"
               "\"i\":false}");
  expect_error ("a = 1.5\n", "test.toml:1", "not supported");
  expect_error ("a = 1979-05-27\n", "test.toml:1", "not supported");
  expect_error ("a = inf\n", "test.toml:1", "not supported");
  expect_error ("a = 012\n", "test.toml:1", "leading zeros");
  expect_error ("a = 1__2\n", "test.toml:1", "not a valid number");
  expect_error ("a = 99999999999999999999\n", "test.toml:1", "not a valid integer");
}
END_TEST

START_TEST (test_toml_tables_and_dotted_keys)
{
  expect_json ("a.b.c = 1\na.b.d = 2\n[x]\ny.z = 'q'\n[x.w]\nv = true\n",
               "{\"a\":{\"b\":{\"c\":1,\"d\":2}},\"x\":{\"y\":{\"z\":\"q\"},\"w\":{\"v\":true}}}");
  /* A super-table may be defined after its sub-table. */
  expect_json ("[a.b]\nc = 1\n[a]\nd = 2\n", "{\"a\":{\"b\":{\"c\":1},\"d\":2}}");
  /* Sub-tables of a table made by dotted keys are fine. */
  expect_json ("[f]\na.c = 1\n[f.a.t]\ns = true\n",
               "{\"f\":{\"a\":{\"c\":1,\"t\":{\"s\":true}}}}");
  expect_json ("m = { location = \"x\", insecure = true, sub.k = 1 }\n",
               "{\"m\":{\"location\":\"x\",\"insecure\":true,\"sub\":{\"k\":1}}}");
  expect_json ("mirror = [ { location = \"a\" }, { location = \"b\" } ]\n",
               "{\"mirror\":[{\"location\":\"a\"},{\"location\":\"b\"}]}");
  expect_json ("[ spaced . \"key\" ]\nv = 1\n", "{\"spaced\":{\"key\":{\"v\":1}}}");
  expect_json ("", "{}");
  expect_json ("a = 1\r\nb = 2\r\n", "{\"a\":1,\"b\":2}");
}
END_TEST

START_TEST (test_toml_redefinitions)
{
  expect_error ("a = 1\na = 2\n", "test.toml:2", "defined twice");
  expect_error ("[t]\nx = 1\n[t]\ny = 2\n", "test.toml:3", "defined twice");
  expect_error ("a = 1\n[a]\n", "test.toml:2", "not a table");
  expect_error ("[[r]]\nx = 1\n[r]\n", "test.toml:3", "not a table");
  expect_error ("r = [1]\n[[r]]\n", "test.toml:2", "not an array of tables");
  expect_error ("m = { a = 1 }\n[m]\nb = 2\n", "test.toml:2", "defined twice");
  expect_error ("[t]\nx.y = 1\n[u]\n[t.x]\n", "test.toml:4", "defined twice");
}
END_TEST

START_TEST (test_toml_malformed)
{
  expect_error ("a = \"open\n", "test.toml:1", "newline inside a string");
  expect_error ("a = \"never closed", "test.toml:1", "unterminated string");
  expect_error ("a = \"bad \\q escape\"\n", "test.toml:1", "bad escape");
  expect_error ("a = \"\\uZZZZ\"\n", "test.toml:1", "\\u escape");
  expect_error ("\n\na = maybe\n", "test.toml:3", "strings need quotes");
  expect_error ("a =\n", "test.toml:1", "value is missing");
  expect_error ("a 1\n", "test.toml:1", "expected '='");
  expect_error ("a = 1 b = 2\n", "test.toml:1", "after the value");
  expect_error ("[unclosed\n", "test.toml:1", "close the table header");
  expect_error ("[[a]\n", "test.toml:1", "close the table header");
  expect_error ("= 1\n", "test.toml:1", "in a key");
  expect_error ("a = [1, 2\n", "test.toml:2", "array");
  expect_error ("a = { b = 1\n", "test.toml:1", "inline table");
  expect_error ("a = 'x'\n\xff = 1\n", "test.toml:2", "UTF-8");
  expect_error ("a = \"ctl\x01\"\n", "test.toml:1", "control character");
}
END_TEST

static Suite *
toml_suite (void)
{
  Suite *s = suite_create ("Toml");
  TCase *tc = tcase_create ("parse");
  tcase_add_test (tc, test_toml_registries_conf_shape);
  tcase_add_test (tc, test_toml_version1_tables);
  tcase_add_test (tc, test_toml_strings);
  tcase_add_test (tc, test_toml_numbers_and_booleans);
  tcase_add_test (tc, test_toml_tables_and_dotted_keys);
  suite_add_tcase (s, tc);

  tc = tcase_create ("errors");
  tcase_add_test (tc, test_toml_redefinitions);
  tcase_add_test (tc, test_toml_malformed);
  suite_add_tcase (s, tc);
  return s;
}

SKOPOS_TEST_MAIN (toml_suite)
