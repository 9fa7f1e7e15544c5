/* skopos-copy.h: the copy engine every transport shares.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <skopos/skopos-manifest.h>
#include <skopos/skopos-policy.h>
#include <skopos/skopos-transport.h>

G_BEGIN_DECLS

typedef enum
{
  SKOPOS_COPY_SYSTEM,      /* one image: the instance for the platform */
  SKOPOS_COPY_ALL,         /* every instance and the list */
  SKOPOS_COPY_INDEX_ONLY,  /* the list only (its instances must exist already) */
} SkoposCopyMultiArch;

typedef enum
{
  SKOPOS_COPY_EVENT_GETTING_SIGNATURES,
  SKOPOS_COPY_EVENT_COPYING_BLOB,   /* subject: digest */
  SKOPOS_COPY_EVENT_SKIPPED_BLOB,   /* subject: digest; the destination had it */
  SKOPOS_COPY_EVENT_COPYING_CONFIG, /* subject: digest */
  SKOPOS_COPY_EVENT_WRITING_MANIFEST,
  SKOPOS_COPY_EVENT_STORING_SIGNATURES,
  SKOPOS_COPY_EVENT_COPYING_INSTANCE, /* subject: "i/n digest" */
  SKOPOS_COPY_EVENT_BLOB_DONE,        /* subject: digest */
  /* Appended in 0.1: the steps of copying a whole list. */
  SKOPOS_COPY_EVENT_GETTING_LIST_SIGNATURES,
  SKOPOS_COPY_EVENT_COPYING_LIST,          /* subject: the number of images */
  SKOPOS_COPY_EVENT_WRITING_MANIFEST_LIST,
  SKOPOS_COPY_EVENT_SKIPPED_CONFIG, /* subject: digest; the destination had it */
} SkoposCopyEvent;

typedef void (*SkoposCopyProgressFunc) (SkoposCopyEvent event, const char *subject,
                                        gpointer user_data);

typedef struct _SkoposCopyOptions SkoposCopyOptions;

SKOPOS_API SkoposCopyOptions *skopos_copy_options_new (void);
SKOPOS_API void skopos_copy_options_free (SkoposCopyOptions *options);

/* Contexts for the source and destination sides (default: empty contexts). */
SKOPOS_API void skopos_copy_options_set_source_context (SkoposCopyOptions *options,
                                                        SkoposContext *ctx);
SKOPOS_API void skopos_copy_options_set_destination_context (SkoposCopyOptions *options,
                                                             SkoposContext *ctx);
SKOPOS_API void skopos_copy_options_set_multi_arch (SkoposCopyOptions *options,
                                                    SkoposCopyMultiArch mode);
/* Docker/OCI media type the destination manifest must have (--format); NULL: any. */
SKOPOS_API void skopos_copy_options_set_manifest_type (SkoposCopyOptions *options,
                                                       const char *media_type);
/* --dest-compress / --dest-decompress */
SKOPOS_API void skopos_copy_options_set_layer_compression (SkoposCopyOptions *options,
                                                           int policy);
SKOPOS_API void skopos_copy_options_set_preserve_digests (SkoposCopyOptions *options,
                                                          gboolean preserve);
SKOPOS_API void skopos_copy_options_set_remove_signatures (SkoposCopyOptions *options,
                                                           gboolean remove);
/* How many times transports retry a request that failed for a transient reason;
 * sets SKOPOS_CONTEXT_RETRY_TIMES on the source and destination contexts that do not
 * set it themselves. The copy as a whole is not repeated. */
SKOPOS_API void skopos_copy_options_set_retry_times (SkoposCopyOptions *options, guint times);
SKOPOS_API void skopos_copy_options_set_progress (SkoposCopyOptions *options,
                                                  SkoposCopyProgressFunc func, gpointer user_data);

/**
 * skopos_copy_image:
 * @policy: the trust policy the source must pass
 * @dest: where to copy to
 * @src: what to copy
 * @out_manifest_digest: (out) (optional): the digest of the manifest written (the
 *   list's with SKOPOS_COPY_ALL)
 *
 * Copies one image (or a list and its instances). The destination is committed only
 * when everything succeeded; on failure nothing new is left there and what was there
 * before is intact.
 */
SKOPOS_API gboolean skopos_copy_image (SkoposPolicy *policy,
                                       SkoposImageReference *dest,
                                       SkoposImageReference *src,
                                       SkoposCopyOptions *options,
                                       char **out_manifest_digest,
                                       GCancellable *cancellable,
                                       GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkoposCopyOptions, skopos_copy_options_free)

G_END_DECLS
