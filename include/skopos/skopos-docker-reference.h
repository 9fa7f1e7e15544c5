/* skopos-docker-reference.h: the docker image name grammar
 * ([domain[:port]/]path[:tag][@digest]), shared by every transport that names images
 * the way registries do (docker, docker-archive, docker-daemon, containers-storage).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <skopos/skopos-macros.h>

G_BEGIN_DECLS

typedef struct _SkoposDockerReference SkoposDockerReference;

/**
 * skopos_docker_reference_parse:
 * @text: a name such as "busybox", "quay.io/ns/img:1.0" or "localhost:5000/x@sha256:…"
 * @error: return location for an error
 *
 * Parses and normalises a docker reference: a name without a domain gets
 * "docker.io", a single path component on docker.io gets "library/". Upper case in
 * the path, a name over 255 characters, a bad tag or digest are refused with
 * SKOPOS_ERROR_INVALID_REFERENCE. A name with both a tag and a digest keeps both;
 * transports resolve it by digest.
 *
 * Returns: (transfer full): the reference, or NULL
 */
SKOPOS_API SkoposDockerReference *skopos_docker_reference_parse (const char *text, GError **error);

SKOPOS_API SkoposDockerReference *skopos_docker_reference_copy (const SkoposDockerReference *ref);
SKOPOS_API void skopos_docker_reference_free (SkoposDockerReference *ref);

/* "docker.io", "localhost:5000" */
SKOPOS_API const char *skopos_docker_reference_get_domain (const SkoposDockerReference *ref);
/* "library/busybox" */
SKOPOS_API const char *skopos_docker_reference_get_path (const SkoposDockerReference *ref);
/* nullable */
SKOPOS_API const char *skopos_docker_reference_get_tag (const SkoposDockerReference *ref);
/* nullable */
SKOPOS_API const char *skopos_docker_reference_get_digest (const SkoposDockerReference *ref);

/* "docker.io/library/busybox" */
SKOPOS_API char *skopos_docker_reference_dup_name (const SkoposDockerReference *ref);
/* The full normalised form: name[:tag][@digest]. */
SKOPOS_API char *skopos_docker_reference_to_string (const SkoposDockerReference *ref);
/* The short form docker prints: "busybox:latest", "quay.io/x/y:1". */
SKOPOS_API char *skopos_docker_reference_to_familiar_string (const SkoposDockerReference *ref);

/* TRUE when there is neither a tag nor a digest. */
SKOPOS_API gboolean skopos_docker_reference_is_name_only (const SkoposDockerReference *ref);

/* A copy with tag "latest" added when @ref has neither tag nor digest. */
SKOPOS_API SkoposDockerReference *
skopos_docker_reference_with_default_tag (const SkoposDockerReference *ref);

/* A copy with the tag replaced (or removed with NULL); the digest is kept. */
SKOPOS_API SkoposDockerReference *
skopos_docker_reference_with_tag (const SkoposDockerReference *ref, const char *tag);

/* Checks a tag on its own: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
SKOPOS_API gboolean skopos_docker_tag_validate (const char *tag, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkoposDockerReference, skopos_docker_reference_free)

G_END_DECLS
