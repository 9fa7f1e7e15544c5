/* oci-private.h: what the files of the oci transport share.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <json-glib/json-glib.h>
#include <skopos/skopos-transport-plugin.h>

G_BEGIN_DECLS

#define OCI_LAYOUT_FILE "oci-layout"
#define OCI_INDEX_FILE "index.json"
#define OCI_BLOBS_DIR "blobs"
/* Serialises writers of one layout. It exists only while a writer holds it. */
#define OCI_LOCK_FILE "index.json.lock"
#define OCI_REF_NAME_ANNOTATION "org.opencontainers.image.ref.name"

/* "oci:PATH[:NAME]" or "oci:PATH:@INDEX". */
typedef struct
{
  char *path;
  char *image;         /* NULL when the reference names no image */
  gint64 source_index; /* -1 when not given; only sources and delete accept it */
} OciReference;

void oci_reference_free (OciReference *ref);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OciReference, oci_reference_free)

/* ---- oci-layout.c ------------------------------------------------------------ */

/* The folder blobs live in: the shared blob folder of @ctx, else PATH/blobs. */
char *oci_blob_dir (const char *layout, SkoposContext *ctx);

/* BLOB_DIR/ALG/HEX, after checking @digest can safely name a file. */
char *oci_blob_path (const char *blob_dir, const char *digest, GError **error);

/* Loads PATH/index.json and checks its shape (an object with a "manifests" array of
 * objects). A missing PATH is SKOPOS_ERROR_FAILED and a missing index.json, or one
 * that is not such a document, is SKOPOS_ERROR_INVALID_DATA naming the file: only a
 * missing image in an existing layout is NOT_FOUND (exit 2), as in skopeo. */
JsonNode *oci_index_load (const char *layout, GError **error);

/* A new, empty index document. */
JsonNode *oci_index_new (void);

/* Replaces PATH/index.json atomically. */
gboolean oci_index_save (const char *layout, JsonNode *index, GError **error);

/* The "manifests" array of a loaded index (never NULL after oci_index_load). */
JsonArray *oci_index_get_manifests (JsonNode *index);

/* Reads the digest, media type (nullable) and size of index entry or descriptor
 * @desc, refusing a digest that is not valid. @what names the document for errors. */
gboolean oci_descriptor_read (JsonObject *desc,
                              const char *what,
                              const char **out_digest,
                              const char **out_media_type,
                              gint64 *out_size,
                              GError **error);

/* The ref.name annotation of an entry, or NULL. */
const char *oci_descriptor_get_ref_name (JsonObject *desc);

/* Picks the entry @ref names, as sources and delete do; @out_position is its place
 * in the manifests array. */
JsonObject *oci_index_find (JsonNode *index,
                            const OciReference *ref,
                            guint *out_position,
                            GError **error);

/* Adds to @set (digest strings) the digest of @desc and every blob it needs,
 * following manifests and indexes through their blobs in @blob_dir. A manifest blob
 * that is missing contributes only its own digest. */
gboolean oci_collect_blobs (const char *blob_dir,
                            JsonObject *desc,
                            GHashTable *set,
                            GCancellable *cancellable,
                            GError **error);

/* Every blob the entries of @index need. */
GHashTable *oci_index_collect_live_blobs (JsonNode *index,
                                          const char *blob_dir,
                                          GCancellable *cancellable,
                                          GError **error);

/* Takes the exclusive writer lock of a layout; -1 on failure. The lock file is
 * removed again by oci_layout_unlock(), so a layout is left as it was. */
int oci_layout_lock (const char *layout, GError **error);
void oci_layout_unlock (const char *layout, int fd);

/* Whether @path exists as a regular file; @out_size gets its size. Errors other
 * than "absent" are reported. */
gboolean oci_regular_file_exists (const char *path,
                                  gboolean *out_exists,
                                  gint64 *out_size,
                                  GError **error);


/* ---- the operation tables ---------------------------------------------------- */

extern const SkoposSourceOps oci_source_ops;
extern const SkoposDestinationOps oci_destination_ops;

gboolean oci_open_source (gpointer reference,
                          SkoposContext *ctx,
                          GCancellable *cancellable,
                          gpointer *out_source,
                          GError **error);

gboolean oci_open_destination (gpointer reference,
                               SkoposContext *ctx,
                               GCancellable *cancellable,
                               gpointer *out_destination,
                               GError **error);

gboolean oci_delete_image (gpointer reference,
                           SkoposContext *ctx,
                           GCancellable *cancellable,
                           GError **error);

G_END_DECLS
