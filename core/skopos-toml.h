/* skopos-toml.h: a TOML reader for the configuration files of the containers tools
 * (registries.conf and its drop-ins). Internal to libskopos.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * _skopos_toml_parse:
 * @text: the document, UTF-8
 * @origin: the file name, for messages ("registries.conf")
 *
 * Parses TOML into a JSON tree: tables become objects, arrays (and arrays of tables)
 * arrays, strings strings, booleans and integers the same. Supported: comments,
 * [tables], [[arrays of tables]], bare, quoted and dotted keys, basic and literal
 * strings (also multi-line), booleans, integers, arrays and inline tables. Floats
 * and dates, which the containers files do not use, are refused as unsupported.
 * Errors (SKOPOS_ERROR_INVALID_DATA) read "ORIGIN:LINE: what is wrong".
 *
 * Returns: (transfer full): an object node, or NULL
 */
JsonNode *_skopos_toml_parse (const char *text, const char *origin, GError **error);

G_END_DECLS
