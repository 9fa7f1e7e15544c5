/* cli-config.h: image configuration blobs read the way skopeo's Go code reads them,
 * for `inspect`: Go's json.Unmarshal rules (case-insensitive keys, null leaves a
 * field unset, a wrong JSON type is an error) and Go's time.Time text forms.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cli-template.h"

G_BEGIN_DECLS

/* What `inspect` shows from a configuration (containers/image's ImageInspectInfo). */
typedef struct
{
  CliValue *created; /* time, or nil time */
  char *docker_version;
  CliValue *labels;  /* map, maybe nil */
  char *architecture;
  char *variant;
  char *os;
  CliValue *env;     /* list, maybe nil */
} CliInspectInfo;

void cli_inspect_info_clear (CliInspectInfo *info);

/* From an OCI image configuration (imgspecv1.Image plus docker_version). */
gboolean cli_inspect_info_from_oci_config (GBytes *config, CliInspectInfo *out, GError **error);
/* From a Docker schema 2 configuration (Created is never nil there). */
gboolean cli_inspect_info_from_docker_config (GBytes *config, CliInspectInfo *out,
                                              GError **error);
/* From the newest v1Compatibility entry of a schema 1 manifest. */
gboolean cli_inspect_info_from_schema1 (const char *v1_compatibility, CliInspectInfo *out,
                                        GError **error);

/* The configuration as skopeo's `inspect --config` prints it: decoded into the OCI
 * image-spec Image struct and encoded again (fields in the order of the image-spec
 * version Debian's skopeo 1.9.3 uses). */
CliValue *cli_oci_config_value_new (GBytes *config, GError **error);

G_END_DECLS
