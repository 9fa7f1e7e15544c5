/* skopos-context.c: typed key/value settings for one side of an operation.
 *
 * Values are GVariants (string lists: string vectors) keyed by name, so the CLI can pass a new
 * option to a transport without either side's structs changing. A getter asked for the wrong type
 * treats the key as unset: options are set by the CLI, and a type slip there must not crash a
 * transport.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <skopos/skopos-context.h>

struct _SkoposContext
{
  gatomicrefcount refcount;
  GHashTable *values; /* char* → GVariant*: strings, booleans, integers */
  GHashTable *strvs;  /* char* → char**: kept apart so getters can lend them */
};

SkoposContext *
skopos_context_new (void)
{
  SkoposContext *ctx = g_new0 (SkoposContext, 1);
  g_atomic_ref_count_init (&ctx->refcount);
  ctx->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_variant_unref);
  ctx->strvs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  return ctx;
}

SkoposContext *
skopos_context_ref (SkoposContext *ctx)
{
  g_atomic_ref_count_inc (&ctx->refcount);
  return ctx;
}

void
skopos_context_unref (SkoposContext *ctx)
{
  if (ctx == NULL || !g_atomic_ref_count_dec (&ctx->refcount))
    return;
  g_hash_table_unref (ctx->values);
  g_hash_table_unref (ctx->strvs);
  g_free (ctx);
}

static void
set_value (SkoposContext *ctx, const char *key, GVariant *value)
{
  g_hash_table_replace (ctx->values, g_strdup (key), g_variant_ref_sink (value));
}

static GVariant *
get_value (SkoposContext *ctx, const char *key, const GVariantType *type)
{
  if (ctx == NULL)
    return NULL;
  GVariant *value = g_hash_table_lookup (ctx->values, key);
  if (value == NULL || !g_variant_is_of_type (value, type))
    return NULL;
  return value;
}

void
skopos_context_set_string (SkoposContext *ctx, const char *key, const char *value)
{
  if (value == NULL)
    g_hash_table_remove (ctx->values, key);
  else
    set_value (ctx, key, g_variant_new_string (value));
}

void
skopos_context_set_boolean (SkoposContext *ctx, const char *key, gboolean value)
{
  set_value (ctx, key, g_variant_new_boolean (value));
}

void
skopos_context_set_int (SkoposContext *ctx, const char *key, gint64 value)
{
  set_value (ctx, key, g_variant_new_int64 (value));
}

void
skopos_context_set_strv (SkoposContext *ctx, const char *key, const char *const *value)
{
  if (value == NULL)
    g_hash_table_remove (ctx->strvs, key);
  else
    g_hash_table_replace (ctx->strvs, g_strdup (key), g_strdupv ((char **) value));
}

const char *
skopos_context_get_string (SkoposContext *ctx, const char *key)
{
  GVariant *value = get_value (ctx, key, G_VARIANT_TYPE_STRING);
  return value ? g_variant_get_string (value, NULL) : NULL;
}

gboolean
skopos_context_get_boolean (SkoposContext *ctx, const char *key, gboolean default_value)
{
  GVariant *value = get_value (ctx, key, G_VARIANT_TYPE_BOOLEAN);
  return value ? g_variant_get_boolean (value) : default_value;
}

gint64
skopos_context_get_int (SkoposContext *ctx, const char *key, gint64 default_value)
{
  GVariant *value = get_value (ctx, key, G_VARIANT_TYPE_INT64);
  return value ? g_variant_get_int64 (value) : default_value;
}

const char *const *
skopos_context_get_strv (SkoposContext *ctx, const char *key)
{
  if (ctx == NULL)
    return NULL;
  return g_hash_table_lookup (ctx->strvs, key);
}

gboolean
skopos_context_has (SkoposContext *ctx, const char *key)
{
  return ctx != NULL
         && (g_hash_table_contains (ctx->values, key) || g_hash_table_contains (ctx->strvs, key));
}

const char *
skopos_context_get_tmpdir (SkoposContext *ctx)
{
  const char *dir = skopos_context_get_string (ctx, SKOPOS_CONTEXT_TMPDIR);
  if (dir != NULL && *dir != '\0')
    return dir;

  dir = g_getenv ("TMPDIR");
  if (dir != NULL && *dir != '\0')
    return dir;

  /* Large blobs do not belong in a tmpfs /tmp; skopeo uses /var/tmp for the same reason. */
  return "/var/tmp";
}
