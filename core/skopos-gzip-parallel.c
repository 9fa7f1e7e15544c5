/* skopos-gzip-parallel.c: gzip compression on every core, for layers.
 *
 * One deflate stream cannot be spread over threads, but a gzip member can be built
 * from independently compressed pieces: the input is cut into blocks, each block is
 * deflated on a worker with the previous block's last 32 KiB as its dictionary (so
 * the ratio stays close to a single stream's), and ended with a sync flush so the
 * pieces join on byte boundaries. An empty final block, the CRC-32 of the whole
 * input (combined from the blocks' CRCs) and its length close the member. Output is
 * the same for the same input and level, whatever the number of cores.
 *
 * The stream reads ahead a few blocks per core and hands the compressed bytes out
 * in order. Memory use is bounded by that window.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>
#include <zlib.h>

#include "skopos-private.h"

#define BLOCK_SIZE (1024 * 1024)
#define DICTIONARY_SIZE (32 * 1024)

typedef struct
{
  GBytes *input;
  GBytes *dictionary; /* nullable: the end of the previous block's input */
  int level;

  /* Set by the worker, under the stream's lock. */
  GByteArray *output;
  guint32 crc;
  gboolean done;
  gboolean failed;
} Block;

static void
block_free (Block *block)
{
  g_bytes_unref (block->input);
  g_clear_pointer (&block->dictionary, g_bytes_unref);
  g_clear_pointer (&block->output, g_byte_array_unref);
  g_free (block);
}

#define SKOPOS_TYPE_PARALLEL_GZIP_STREAM (_skopos_parallel_gzip_stream_get_type ())
G_DECLARE_FINAL_TYPE (SkoposParallelGzipStream, _skopos_parallel_gzip_stream, SKOPOS,
                      PARALLEL_GZIP_STREAM, GInputStream)

struct _SkoposParallelGzipStream
{
  GInputStream parent;

  GInputStream *base;
  int level;
  guint window; /* blocks in flight at most */
  GThreadPool *pool;

  GMutex lock;
  GCond block_done;
  GQueue blocks; /* Block*, in input order */

  GBytes *previous_input;
  gboolean input_ended;
  gboolean closing_sent;
  guint32 crc;
  guint64 length;

  GByteArray *pending; /* compressed bytes not yet handed out */
  gsize pending_offset;
};

G_DEFINE_TYPE (SkoposParallelGzipStream, _skopos_parallel_gzip_stream, G_TYPE_INPUT_STREAM)

static void
compress_block (gpointer data, gpointer user_data)
{
  Block *block = data;
  SkoposParallelGzipStream *self = user_data;
  gsize in_len = 0;
  const guint8 *in = g_bytes_get_data (block->input, &in_len);
  z_stream z = { 0 };
  gboolean ok = deflateInit2 (&z, block->level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY)
                == Z_OK;

  if (ok && block->dictionary != NULL)
    {
      gsize dict_len = 0;
      const guint8 *dict = g_bytes_get_data (block->dictionary, &dict_len);
      ok = deflateSetDictionary (&z, dict, dict_len) == Z_OK;
    }

  /* deflateBound() does not count the sync flush marker: leave room for it. */
  GByteArray *out = g_byte_array_sized_new (deflateBound (&z, in_len) + 16);
  if (ok)
    {
      z.next_in = (Bytef *) in;
      z.avail_in = in_len;
      z.next_out = out->data;
      z.avail_out = deflateBound (&z, in_len) + 16;
      ok = deflate (&z, Z_SYNC_FLUSH) == Z_OK && z.avail_in == 0;
      g_byte_array_set_size (out, z.total_out);
    }
  deflateEnd (&z);
  guint32 crc = crc32 (crc32 (0L, Z_NULL, 0), in, in_len);

  g_mutex_lock (&self->lock);
  block->output = out;
  block->crc = crc;
  block->failed = !ok;
  block->done = TRUE;
  g_cond_broadcast (&self->block_done);
  g_mutex_unlock (&self->lock);
}

/* Reads the next block of input and gives it to a worker; FALSE at the end. */
static gboolean
start_next_block (SkoposParallelGzipStream *self, GCancellable *cancellable, GError **error,
                  gboolean *out_failed)
{
  g_autofree guint8 *buffer = g_malloc (BLOCK_SIZE);
  gsize got = 0;

  *out_failed = FALSE;
  if (!g_input_stream_read_all (self->base, buffer, BLOCK_SIZE, &got, cancellable, error))
    {
      *out_failed = TRUE;
      return FALSE;
    }
  if (got == 0)
    {
      self->input_ended = TRUE;
      return FALSE;
    }

  Block *block = g_new0 (Block, 1);
  block->input = g_bytes_new_take (g_steal_pointer (&buffer), got);
  block->level = self->level;
  if (self->previous_input != NULL)
    {
      gsize prev_len = g_bytes_get_size (self->previous_input);
      gsize dict_len = MIN (prev_len, DICTIONARY_SIZE);
      block->dictionary = g_bytes_new_from_bytes (self->previous_input, prev_len - dict_len,
                                                  dict_len);
    }
  g_clear_pointer (&self->previous_input, g_bytes_unref);
  self->previous_input = g_bytes_ref (block->input);
  if (got < BLOCK_SIZE)
    self->input_ended = TRUE;

  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->blocks, block);
  g_mutex_unlock (&self->lock);
  g_thread_pool_push (self->pool, block, NULL);
  return TRUE;
}

static void
set_pending (SkoposParallelGzipStream *self, GByteArray *bytes)
{
  g_clear_pointer (&self->pending, g_byte_array_unref);
  self->pending = bytes;
  self->pending_offset = 0;
}

/* The end of the member: an empty final deflate block, then CRC-32 and length. */
static GByteArray *
closing_bytes (SkoposParallelGzipStream *self)
{
  static const guint8 final_block[] = { 0x03, 0x00 };
  guint8 trailer[8];
  guint32 length = (guint32) (self->length & 0xffffffffu);

  for (int i = 0; i < 4; i++)
    {
      trailer[i] = (self->crc >> (8 * i)) & 0xff;
      trailer[4 + i] = (length >> (8 * i)) & 0xff;
    }
  GByteArray *out = g_byte_array_new ();
  g_byte_array_append (out, final_block, sizeof final_block);
  g_byte_array_append (out, trailer, sizeof trailer);
  return out;
}

/* Makes the next compressed bytes pending; FALSE with @error on failure, FALSE
 * without an error at the very end. */
static gboolean
fill_pending (SkoposParallelGzipStream *self, GCancellable *cancellable, GError **error)
{
  while (!self->input_ended && g_queue_get_length (&self->blocks) < self->window)
    {
      gboolean failed = FALSE;
      if (!start_next_block (self, cancellable, error, &failed))
        {
          if (failed)
            return FALSE;
          break;
        }
    }

  if (g_queue_is_empty (&self->blocks))
    {
      if (self->closing_sent)
        return FALSE;
      self->closing_sent = TRUE;
      set_pending (self, closing_bytes (self));
      return TRUE;
    }

  g_mutex_lock (&self->lock);
  Block *head = g_queue_peek_head (&self->blocks);
  while (!head->done)
    g_cond_wait (&self->block_done, &self->lock);
  g_queue_pop_head (&self->blocks);
  g_mutex_unlock (&self->lock);

  if (head->failed)
    {
      block_free (head);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "gzip compression failed");
      return FALSE;
    }

  gsize in_len = g_bytes_get_size (head->input);
  self->crc = self->length == 0 ? head->crc : crc32_combine (self->crc, head->crc, in_len);
  self->length += in_len;
  set_pending (self, g_steal_pointer (&head->output));
  block_free (head);
  return TRUE;
}

static gssize
parallel_gzip_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable,
                    GError **error)
{
  SkoposParallelGzipStream *self = SKOPOS_PARALLEL_GZIP_STREAM (stream);

  while (self->pending == NULL || self->pending_offset == self->pending->len)
    {
      g_autoptr (GError) local_error = NULL;
      if (!fill_pending (self, cancellable, &local_error))
        {
          if (local_error == NULL)
            return 0;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return -1;
        }
    }

  gsize n = MIN (count, self->pending->len - self->pending_offset);
  memcpy (buffer, self->pending->data + self->pending_offset, n);
  self->pending_offset += n;
  return n;
}

static void
parallel_gzip_finalize (GObject *object)
{
  SkoposParallelGzipStream *self = SKOPOS_PARALLEL_GZIP_STREAM (object);

  /* Let running workers finish before their blocks go. */
  g_thread_pool_free (self->pool, TRUE, TRUE);
  g_queue_clear_full (&self->blocks, (GDestroyNotify) block_free);
  g_clear_pointer (&self->previous_input, g_bytes_unref);
  g_clear_pointer (&self->pending, g_byte_array_unref);
  g_clear_object (&self->base);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->block_done);
  G_OBJECT_CLASS (_skopos_parallel_gzip_stream_parent_class)->finalize (object);
}

static void
_skopos_parallel_gzip_stream_class_init (SkoposParallelGzipStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = parallel_gzip_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = parallel_gzip_read;
}

static void
_skopos_parallel_gzip_stream_init (SkoposParallelGzipStream *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->block_done);
  g_queue_init (&self->blocks);
}

GInputStream *
_skopos_parallel_gzip_stream_new (GInputStream *base, int level)
{
  /* The gzip header: no name, no time (so equal input gives equal bytes), OS unknown. */
  static const guint8 header[] = { 0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff };
  SkoposParallelGzipStream *self = g_object_new (SKOPOS_TYPE_PARALLEL_GZIP_STREAM, NULL);
  guint threads = MAX (1, g_get_num_processors ());

  self->base = g_object_ref (base);
  self->level = level < 0 ? Z_DEFAULT_COMPRESSION : level;
  self->window = 2 * threads;
  self->pool = g_thread_pool_new (compress_block, self, threads, FALSE, NULL);
  self->pending = g_byte_array_new ();
  g_byte_array_append (self->pending, header, sizeof header);
  return G_INPUT_STREAM (self);
}
