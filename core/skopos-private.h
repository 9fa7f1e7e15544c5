/* skopos-private.h: what the files of libskopos share and nothing outside sees.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <skopos/skopos-transport-plugin.h>

G_BEGIN_DECLS

/* A loaded transport. The descriptor and its tables are copied into full-size
 * structs, zero-filled past the size the module was built with, so every slot the
 * core reads is either the module's or NULL. */
struct _SkoposTransport
{
  char *name;
  char *path;
  GModule *module;
  SkoposTransportDescriptor desc;
  SkoposReferenceOps reference_ops;
  SkoposSourceOps source_ops;
  SkoposDestinationOps destination_ops;
};

/* Validates a module's descriptor; exposed for the loader tests. */
gboolean _skopos_transport_validate_descriptor (const SkoposTransportDescriptor *desc,
                                                const char *expected_name,
                                                const char *path,
                                                GError **error);

/* gzip compression of @base on all cores (skopos-gzip-parallel.c); @level -1 is
 * zlib's default. */
GInputStream *_skopos_parallel_gzip_stream_new (GInputStream *base, int level);

/* Forgets every loaded transport and the search path (tests only; modules stay
 * resident). */
void _skopos_transport_registry_reset (void);

G_END_DECLS
