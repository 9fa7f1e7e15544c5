/* test-abi.c: pins the layout of the transport ABI. A failure here means a change
 * that breaks modules built against ABI 1.x: append new slots at the end instead.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stddef.h>

#include <skopos/skopos-transport-plugin.h>

#include "skopos-check.h"

#define P sizeof (gpointer)

/* Offsets on LP64, where every slot after the header is one pointer. */
G_STATIC_ASSERT (offsetof (SkoposTransportDescriptor, abi_major) == 0);
G_STATIC_ASSERT (offsetof (SkoposTransportDescriptor, abi_minor) == 2);
G_STATIC_ASSERT (offsetof (SkoposTransportDescriptor, struct_size) == 4);
G_STATIC_ASSERT (offsetof (SkoposTransportDescriptor, name) == 8);
G_STATIC_ASSERT (offsetof (SkoposTransportDescriptor, summary) == 8 + P);
G_STATIC_ASSERT (offsetof (SkoposTransportDescriptor, version) == 8 + 2 * P);
G_STATIC_ASSERT (offsetof (SkoposTransportDescriptor, flags) == 8 + 3 * P);
G_STATIC_ASSERT (offsetof (SkoposTransportDescriptor, init) == 8 + 4 * P);
G_STATIC_ASSERT (offsetof (SkoposTransportDescriptor, parse_reference) == 8 + 5 * P);
G_STATIC_ASSERT (offsetof (SkoposTransportDescriptor, list_tags) == 8 + 6 * P);
G_STATIC_ASSERT (offsetof (SkoposTransportDescriptor, check_credentials) == 8 + 7 * P);
G_STATIC_ASSERT (offsetof (SkoposTransportDescriptor, reference_ops) == 8 + 8 * P);
G_STATIC_ASSERT (offsetof (SkoposTransportDescriptor, source_ops) == 8 + 9 * P);
G_STATIC_ASSERT (offsetof (SkoposTransportDescriptor, destination_ops) == 8 + 10 * P);

G_STATIC_ASSERT (offsetof (SkoposReferenceOps, to_string) == P);
G_STATIC_ASSERT (offsetof (SkoposReferenceOps, docker_reference) == 2 * P);
G_STATIC_ASSERT (offsetof (SkoposReferenceOps, policy_identity) == 3 * P);
G_STATIC_ASSERT (offsetof (SkoposReferenceOps, open_source) == 4 * P);
G_STATIC_ASSERT (offsetof (SkoposReferenceOps, open_destination) == 5 * P);
G_STATIC_ASSERT (offsetof (SkoposReferenceOps, delete_image) == 6 * P);
G_STATIC_ASSERT (offsetof (SkoposReferenceOps, free) == 7 * P);

G_STATIC_ASSERT (offsetof (SkoposSourceOps, get_manifest) == P);
G_STATIC_ASSERT (offsetof (SkoposSourceOps, get_blob) == 2 * P);
G_STATIC_ASSERT (offsetof (SkoposSourceOps, get_signatures) == 3 * P);
G_STATIC_ASSERT (offsetof (SkoposSourceOps, free) == 4 * P);

G_STATIC_ASSERT (offsetof (SkoposDestinationOps, supported_manifest_types) == P);
G_STATIC_ASSERT (offsetof (SkoposDestinationOps, desired_layer_compression) == 2 * P);
G_STATIC_ASSERT (offsetof (SkoposDestinationOps, accepts_foreign_layers) == 3 * P);
G_STATIC_ASSERT (offsetof (SkoposDestinationOps, put_blob) == 4 * P);
G_STATIC_ASSERT (offsetof (SkoposDestinationOps, try_reusing_blob) == 5 * P);
G_STATIC_ASSERT (offsetof (SkoposDestinationOps, put_manifest) == 6 * P);
G_STATIC_ASSERT (offsetof (SkoposDestinationOps, put_signatures) == 7 * P);
G_STATIC_ASSERT (offsetof (SkoposDestinationOps, commit) == 8 * P);
G_STATIC_ASSERT (offsetof (SkoposDestinationOps, free) == 9 * P);

G_STATIC_ASSERT (offsetof (SkoposBlobInfo, digest) == 0);
G_STATIC_ASSERT (offsetof (SkoposBlobInfo, size) == P);

START_TEST (test_abi_version_constants)
{
  ck_assert_int_eq (SKOPOS_TRANSPORT_ABI_MAJOR, 1);
  ck_assert_int_ge (SKOPOS_TRANSPORT_ABI_MINOR, 0);
  ck_assert_str_eq (skopos_get_version (), SKOPOS_VERSION_S);
  ck_assert_str_eq (SKOPOS_TRANSPORT_DESCRIPTOR_SYMBOL, "skopos_transport_get_descriptor");
}
END_TEST

static Suite *
abi_suite (void)
{
  Suite *s = suite_create ("Abi");
  TCase *tc = tcase_create ("layout");
  tcase_add_test (tc, test_abi_version_constants);
  suite_add_tcase (s, tc);
  return s;
}

SKOPOS_TEST_MAIN (abi_suite)
