/* skopos-transport-plugin.h: the ABI between libskopos and a transport module.
 *
 * A transport is a shared module named libskopos-transport-NAME.so that exports one
 * symbol, skopos_transport_get_descriptor(), returning a pointer to static data that
 * describes it. The core reads the descriptor right after loading, checks the ABI
 * version, its size, its name and its required operations, and only then calls into
 * the module.
 *
 * Handles: a transport allocates its own reference, source and destination handles
 * (gpointer) and frees them in the tables' free() slots. The core wraps them in
 * SkoposImageReference, SkoposImageSource and SkoposImageDestination and owns the
 * rules a transport must not get wrong:
 *   - every blob handed to put_blob() is a stream that fails its last read when the
 *     bytes do not match the digest or size, so a destination that reads to the end
 *     before keeping anything never keeps bad data;
 *   - a destination freed without commit() must leave nothing behind, and must not
 *     damage what was there before;
 *   - an optional slot that is NULL (or past the table's struct_size) becomes a clear
 *     SKOPOS_ERROR_NOT_SUPPORTED error naming the transport.
 *
 * Versioning: SKOPOS_TRANSPORT_ABI_MAJOR changes when a slot changes meaning or
 * disappears; the minor grows when slots are appended. The core accepts a module with
 * the same major and a minor not newer than its own. Every table starts with its own
 * struct_size, so a slot past the size a module was built with reads as NULL.
 *
 * Every call that can block takes a GCancellable and ends with GError **; none may
 * print. Threading: unless a flag says otherwise, the core calls a handle from one
 * thread at a time. SKOPOS_TRANSPORT_THREADSAFE_GET_BLOB lets several get_blob calls
 * (and reads of their streams) run at once; SKOPOS_TRANSPORT_THREADSAFE_PUT_BLOB does
 * the same for put_blob and try_reusing_blob.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <skopos/skopos.h>

G_BEGIN_DECLS

#define SKOPOS_TRANSPORT_ABI_MAJOR 1
#define SKOPOS_TRANSPORT_ABI_MINOR 0

/* The symbol every module exports. */
#define SKOPOS_TRANSPORT_DESCRIPTOR_SYMBOL "skopos_transport_get_descriptor"
/* Module files are named SKOPOS_TRANSPORT_FILE_PREFIX + name + G_MODULE_SUFFIX. */
#define SKOPOS_TRANSPORT_FILE_PREFIX "libskopos-transport-"

typedef enum
{
  SKOPOS_TRANSPORT_CAN_READ = 1 << 0,
  SKOPOS_TRANSPORT_CAN_WRITE = 1 << 1,
  SKOPOS_TRANSPORT_CAN_DELETE = 1 << 2,
  SKOPOS_TRANSPORT_CAN_LIST_TAGS = 1 << 3,
  SKOPOS_TRANSPORT_HAS_SIGNATURES = 1 << 4,
  SKOPOS_TRANSPORT_THREADSAFE_GET_BLOB = 1 << 5,
  SKOPOS_TRANSPORT_THREADSAFE_PUT_BLOB = 1 << 6,
  SKOPOS_TRANSPORT_CAN_CHECK_CREDENTIALS = 1 << 7,
} SkoposTransportFlags;

/* What a destination wants done to layers before they reach it. */
typedef enum
{
  SKOPOS_LAYER_COMPRESSION_PRESERVE,
  SKOPOS_LAYER_COMPRESSION_COMPRESS,
  SKOPOS_LAYER_COMPRESSION_DECOMPRESS,
} SkoposLayerCompressionPolicy;

/**
 * SkoposBlobInfo: what the core knows of a blob it asks for or hands over. The core
 * owns it; a transport must not keep pointers into it past the call.
 */
typedef struct
{
  const char *digest;           /* always set for put_blob and try_reusing_blob */
  gint64 size;                  /* -1 when unknown */
  const char *media_type;       /* nullable */
  const char *const *urls;      /* nullable */
  const char *source_docker_reference; /* nullable: the repository the blob comes from,
                                        * a hint for cross-repository mounts */
  gboolean is_config;
} SkoposBlobInfo;

typedef struct
{
  gsize struct_size;

  /* The part after "transport:", as the user would write it again. */
  char *(*to_string) (gpointer ref);

  /* The docker reference this names ("docker.io/library/busybox:latest"), or NULL. */
  char *(*docker_reference) (gpointer ref);

  /* The identity policy.json scopes are matched against. */
  char *(*policy_identity) (gpointer ref);

  gboolean (*open_source) (gpointer ref,
                           SkoposContext *ctx,
                           GCancellable *cancellable,
                           gpointer *out_source,
                           GError **error);

  gboolean (*open_destination) (gpointer ref,
                                SkoposContext *ctx,
                                GCancellable *cancellable,
                                gpointer *out_destination,
                                GError **error);

  /* Optional (SKOPOS_TRANSPORT_CAN_DELETE). */
  gboolean (*delete_image) (gpointer ref,
                            SkoposContext *ctx,
                            GCancellable *cancellable,
                            GError **error);

  void (*free) (gpointer ref);
} SkoposReferenceOps;

typedef struct
{
  gsize struct_size;

  /* The manifest of the image, or of one instance of a list when @instance_digest is
   * set. @out_media_type may be set to NULL or "" when the transport does not know
   * it; the core then guesses from the bytes. An image that is not there (no such
   * tag) is SKOPOS_ERROR_NOT_FOUND, which the CLI turns into exit status 2; a store
   * that is missing or damaged (no folder, no index) is another code, as skopeo
   * exits 1 for those. */
  gboolean (*get_manifest) (gpointer source,
                            const char *instance_digest,
                            GBytes **out_manifest,
                            char **out_media_type,
                            GCancellable *cancellable,
                            GError **error);

  /* A stream of the blob's bytes as stored, and its size (-1 if unknown). The core
   * verifies the digest while it reads. */
  gboolean (*get_blob) (gpointer source,
                        const SkoposBlobInfo *info,
                        GInputStream **out_stream,
                        gint64 *out_size,
                        GCancellable *cancellable,
                        GError **error);

  /* Optional: signatures as opaque byte arrays (GPtrArray of GBytes). */
  gboolean (*get_signatures) (gpointer source,
                              const char *instance_digest,
                              GPtrArray **out_signatures,
                              GCancellable *cancellable,
                              GError **error);

  void (*free) (gpointer source);
} SkoposSourceOps;

typedef struct
{
  gsize struct_size;

  /* Manifest media types the destination stores, most preferred first; NULL means
   * it stores any type as it is. Without a list type, copy --all is refused. */
  const char *const *(*supported_manifest_types) (gpointer destination);

  SkoposLayerCompressionPolicy (*desired_layer_compression) (gpointer destination);

  /* Whether layers with URLs (foreign / non-distributable) are copied too. */
  gboolean (*accepts_foreign_layers) (gpointer destination);

  /* Reads @stream to its end and stores the blob under info->digest. The last read
   * fails if the bytes are bad; then nothing may be kept. */
  gboolean (*put_blob) (gpointer destination,
                        GInputStream *stream,
                        const SkoposBlobInfo *info,
                        GCancellable *cancellable,
                        GError **error);

  /* Optional: sets @out_reused when the destination already has the blob (or made it
   * available without upload, for example by a cross-repository mount), and
   * @out_size to its size when known. */
  gboolean (*try_reusing_blob) (gpointer destination,
                                const SkoposBlobInfo *info,
                                gboolean *out_reused,
                                gint64 *out_size,
                                GCancellable *cancellable,
                                GError **error);

  /* Stores the manifest: of one instance of a list when @instance_digest is set,
   * else the top-level one. */
  gboolean (*put_manifest) (gpointer destination,
                            GBytes *manifest,
                            const char *media_type,
                            const char *instance_digest,
                            GCancellable *cancellable,
                            GError **error);

  /* Optional (SKOPOS_TRANSPORT_HAS_SIGNATURES). */
  gboolean (*put_signatures) (gpointer destination,
                              GPtrArray *signatures,
                              const char *instance_digest,
                              GCancellable *cancellable,
                              GError **error);

  /* Makes everything put so far visible at once. */
  gboolean (*commit) (gpointer destination, GCancellable *cancellable, GError **error);

  /* Frees the handle; without a commit before, discards everything put. */
  void (*free) (gpointer destination);
} SkoposDestinationOps;

typedef struct
{
  guint16 abi_major;
  guint16 abi_minor;
  guint32 struct_size;

  const char *name;    /* the transport name, equal to the one in the file name */
  const char *summary; /* one line */
  const char *version;
  guint flags;         /* SkoposTransportFlags */

  /* Optional: called once, after the checks and before any other call. */
  gboolean (*init) (GError **error);

  /* Parses the part after "NAME:" and returns a reference handle. Nothing may be
   * read or written here. */
  gboolean (*parse_reference) (const char *text, gpointer *out_reference, GError **error);

  /* Optional (SKOPOS_TRANSPORT_CAN_LIST_TAGS): tags as a GPtrArray of char*. */
  gboolean (*list_tags) (gpointer reference,
                         SkoposContext *ctx,
                         GCancellable *cancellable,
                         GPtrArray **out_tags,
                         GError **error);

  /* Optional (SKOPOS_TRANSPORT_CAN_CHECK_CREDENTIALS): checks credentials against a
   * registry ("host[:port]"), as `skopos login` does before storing them. */
  gboolean (*check_credentials) (const char *registry,
                                 const char *username,
                                 const char *password,
                                 SkoposContext *ctx,
                                 GCancellable *cancellable,
                                 GError **error);

  const SkoposReferenceOps *reference_ops;
  const SkoposSourceOps *source_ops;           /* required with CAN_READ */
  const SkoposDestinationOps *destination_ops; /* required with CAN_WRITE */
} SkoposTransportDescriptor;

/* Every module defines this, marked SKOPOS_TRANSPORT_EXPORT. */
SKOPOS_TRANSPORT_EXPORT const SkoposTransportDescriptor *skopos_transport_get_descriptor (void);

/* ---- Helpers libskopos offers to transports ---------------------------------- */

/* Writes @contents to @path through a temporary file in the same folder and a rename,
 * so readers see the old or the new file, never a partial one. */
SKOPOS_API gboolean skopos_file_replace_contents (const char *path, const void *contents,
                                                  gsize len, int mode, GError **error);

/* Copies @stream to a new temporary file in @dir (created with mode 0600, named
 * ".tmp-*"), fsyncs it, and returns its path. On failure nothing is left behind. */
SKOPOS_API char *skopos_stream_to_temp_file (GInputStream *stream, const char *dir,
                                             gint64 *out_size, GCancellable *cancellable,
                                             GError **error);

/* mkdir -p that reports which folder failed. */
SKOPOS_API gboolean skopos_mkdir_with_parents (const char *path, int mode, GError **error);

/* mkdir -p that appends every folder it creates to @created (char*, parents first), so
 * a destination that is aborted can remove exactly those. An existing path that is
 * not a folder is SKOPOS_ERROR_INVALID_DATA. */
SKOPOS_API gboolean skopos_mkdir_recording (const char *path, int mode, GPtrArray *created,
                                            GError **error);

/* Opens a regular file for reading and returns its size. A missing file is
 * G_IO_ERROR_NOT_FOUND (for the transport to turn into its own message); anything
 * but a regular file is SKOPOS_ERROR_INVALID_DATA. */
SKOPOS_API GInputStream *skopos_file_open_regular (const char *path, gint64 *out_size,
                                                   GCancellable *cancellable, GError **error);

/* Removes the folders skopos_mkdir_recording() listed in @created, innermost first,
 * where they are empty; for a destination that is aborted. */
SKOPOS_API void skopos_rmdir_recorded (GPtrArray *created);

/* A path as a policy identity: absolute, symbolic links resolved; its last component
 * may not exist yet (a destination about to be created). */
SKOPOS_API char *skopos_path_resolve (const char *path);

/* Sets a G_IO_ERROR from @errsv: "@what '@path': strerror", and evaluates to FALSE. */
SKOPOS_API gboolean skopos_throw_errno (GError **error, int errsv, const char *what,
                                        const char *path);

/* Removes a tree (no error if absent). */
SKOPOS_API gboolean skopos_rm_rf (const char *path, GError **error);

/* An exclusive advisory lock on @path (created if missing); unlock by closing the
 * returned fd with skopos_file_unlock(). */
SKOPOS_API int skopos_file_lock (const char *path, GError **error);
SKOPOS_API void skopos_file_unlock (int fd);

G_END_DECLS
