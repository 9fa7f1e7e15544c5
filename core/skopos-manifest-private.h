/* skopos-manifest-private.h: helpers shared by the manifest, serialisation, conversion
 * and platform code inside libskopos (not exported; unit tests reach them through the
 * static copy of the library).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <json-glib/json-glib.h>

#include <skopos/skopos-manifest.h>

G_BEGIN_DECLS

/* An empty manifest, every pointer NULL and the arrays allocated. */
SkoposManifest *_skopos_manifest_new (void);

/* Appends @s (NULL is written as "") as a JSON string quoted the way Go's
 * encoding/json writes it: <, > and & as \u003c \u003e \u0026, U+2028 and U+2029
 * escaped, invalid UTF-8 replaced by U+FFFD, other control characters as \u00XX. */
void _skopos_json_append_string (GString *out, const char *s);

/* Appends @s quoted the way Go's %q does, for error messages that follow upstream
 * wording (no image found ... for architecture "arm64"). */
void _skopos_append_go_quoted (GString *out, const char *s);
char *_skopos_go_quote (const char *s);

/* Appends the keys and values of @annotations (string → string) as a JSON object with
 * the keys sorted bytewise, as Go writes a map. */
void _skopos_json_append_string_map (GString *out, GHashTable *map);

/* Maps a uname(2) machine name to Go's GOARCH name and the variant containers/image
 * would detect for it ("aarch64" → "arm64" + "v8", "armv7l" → "arm" + "v7"); unknown
 * names are returned unchanged with no variant. */
void _skopos_platform_from_machine (const char *machine, gboolean pointer_is_32bit,
                                    char **out_arch, char **out_variant);

/* Reads an RFC 3339 time the way Go's time.Time decoder does and returns it as Go's
 * encoder writes it (nanoseconds with trailing zeros dropped, "Z" for offset zero);
 * NULL with SKOPOS_ERROR_INVALID_DATA if Go would refuse it. */
char *_skopos_go_time_normalize (const char *text, GError **error);

/* Whether @media_type is the Docker config or the OCI image config type. */
gboolean _skopos_media_type_is_image_config (const char *media_type);

G_END_DECLS
