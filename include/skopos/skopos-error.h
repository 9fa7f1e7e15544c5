/* skopos-error.h: the one error domain of libskopos and its transports.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <skopos/skopos-macros.h>

G_BEGIN_DECLS

#define SKOPOS_ERROR (skopos_error_quark ())

/**
 * SkoposErrorEnum:
 * @SKOPOS_ERROR_FAILED: anything without a more precise code
 * @SKOPOS_ERROR_INVALID_REFERENCE: an image reference or name that does not parse
 * @SKOPOS_ERROR_INVALID_ARGUMENT: an option or argument the caller got wrong
 * @SKOPOS_ERROR_UNKNOWN_TRANSPORT: no transport of that name is installed
 * @SKOPOS_ERROR_PLUGIN_LOAD: a transport module could not be loaded
 * @SKOPOS_ERROR_PLUGIN_ABI: a transport module was built for an incompatible ABI
 * @SKOPOS_ERROR_NOT_FOUND: the image (or a manifest or blob it names) does not exist;
 *   the CLI exits with status 2 for this code
 * @SKOPOS_ERROR_NOT_SUPPORTED: the transport or the core does not do this
 * @SKOPOS_ERROR_INVALID_MANIFEST: a manifest or index that is not valid
 * @SKOPOS_ERROR_INVALID_DATA: stored data that is corrupt (layout files, archives)
 * @SKOPOS_ERROR_DIGEST_MISMATCH: bytes that do not hash to the digest they claim
 * @SKOPOS_ERROR_SIZE_MISMATCH: bytes whose length differs from the size they claim
 * @SKOPOS_ERROR_NO_MATCHING_PLATFORM: a manifest list without an instance for the platform
 * @SKOPOS_ERROR_POLICY_REJECTED: policy.json forbids the image
 * @SKOPOS_ERROR_UNAUTHORIZED: credentials missing or refused
 * @SKOPOS_ERROR_DENIED: the server refused the operation
 * @SKOPOS_ERROR_RETRYABLE: a transient failure worth trying again
 * @SKOPOS_ERROR_BLOCKED: registries.conf blocks this registry
 * @SKOPOS_ERROR_CONNECTION: the server could not be reached or dropped the connection
 */
typedef enum
{
  SKOPOS_ERROR_FAILED,
  SKOPOS_ERROR_INVALID_REFERENCE,
  SKOPOS_ERROR_INVALID_ARGUMENT,
  SKOPOS_ERROR_UNKNOWN_TRANSPORT,
  SKOPOS_ERROR_PLUGIN_LOAD,
  SKOPOS_ERROR_PLUGIN_ABI,
  SKOPOS_ERROR_NOT_FOUND,
  SKOPOS_ERROR_NOT_SUPPORTED,
  SKOPOS_ERROR_INVALID_MANIFEST,
  SKOPOS_ERROR_INVALID_DATA,
  SKOPOS_ERROR_DIGEST_MISMATCH,
  SKOPOS_ERROR_SIZE_MISMATCH,
  SKOPOS_ERROR_NO_MATCHING_PLATFORM,
  SKOPOS_ERROR_POLICY_REJECTED,
  SKOPOS_ERROR_UNAUTHORIZED,
  SKOPOS_ERROR_DENIED,
  SKOPOS_ERROR_RETRYABLE,
  SKOPOS_ERROR_BLOCKED,
  SKOPOS_ERROR_CONNECTION,
} SkoposErrorEnum;

SKOPOS_API GQuark skopos_error_quark (void);

/* Sets @error (if not NULL) and evaluates to FALSE, so a failure is one line:
 *   return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "'%s' is not a file", path); */
SKOPOS_API gboolean skopos_throw (GError **error, SkoposErrorEnum code, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

/* Prefixes an already-set error with context ("Reading 'x': ") and evaluates to FALSE. */
SKOPOS_API gboolean skopos_prefix_error (GError **error, const char *format, ...)
    G_GNUC_PRINTF (2, 3);

G_END_DECLS
