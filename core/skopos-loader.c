/* skopos-loader.c: finding, checking and loading transport modules.
 *
 * Search order, fixed once per process:
 *   1. each folder of SKOPOS_TRANSPORT_PATH (colon-separated), first to last;
 *   2. SKOPOS_TRANSPORT_DIR if set (an empty value means "no built-in folder"),
 *      else the folder set at build time (SKOPOS_TRANSPORT_DIR in config.h).
 * Both variables are read with secure_getenv(), so a setuid process ignores them.
 *
 * A transport NAME lives in libskopos-transport-NAME.so; the first folder that has
 * that file wins. A command loads only the transports it names; listing loads them
 * all. A module that fails a check is remembered with its error, which is returned
 * whenever that transport is asked for; other transports are not affected.
 *
 * Checks, before any code of the module runs except the descriptor getter: the ABI
 * major equals ours and the minor is not newer, the descriptor and each table are at
 * least as large as ABI 1.0 made them, the name equals the file's, and every
 * operation its flags promise is present. Modules are opened with
 * G_MODULE_BIND_LOCAL (no LAZY, so a missing symbol fails now, not mid-copy) and
 * are never unloaded.
 *
 * Threading: the registry is guarded by one mutex; transports, once loaded, are
 * immutable and live for the life of the process.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define _GNU_SOURCE
#include "config.h"

#include <gmodule.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "skopos-private.h"

/* Sizes as ABI 1.0 defined them: the smallest a module may declare. */
#define MIN_DESCRIPTOR_SIZE                                                                        \
  (offsetof (SkoposTransportDescriptor, destination_ops) + sizeof (gpointer))
#define MIN_REFERENCE_OPS_SIZE (offsetof (SkoposReferenceOps, free) + sizeof (gpointer))
#define MIN_SOURCE_OPS_SIZE (offsetof (SkoposSourceOps, free) + sizeof (gpointer))
#define MIN_DESTINATION_OPS_SIZE (offsetof (SkoposDestinationOps, free) + sizeof (gpointer))

static GMutex registry_lock;
static GHashTable *loaded;   /* name → SkoposTransport* */
static GHashTable *failures; /* name → SkoposTransportFailure* */
static char **search_path;

static const char *const bundled_transports[] = {
  "docker", "oci", "dir", "docker-archive", "docker-daemon", "containers-storage", NULL,
};

const char *
skopos_transport_get_builtin_dir (void)
{
  return SKOPOS_TRANSPORT_DIR;
}

static char **
build_search_path (void)
{
  g_autoptr (GPtrArray) dirs = g_ptr_array_new ();
  const char *extra = secure_getenv ("SKOPOS_TRANSPORT_PATH");
  const char *replacement = secure_getenv ("SKOPOS_TRANSPORT_DIR");

  if (extra != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (extra, ":", -1);
      for (char **p = parts; *p != NULL; p++)
        if (**p != '\0')
          g_ptr_array_add (dirs, g_strdup (*p));
    }

  if (replacement != NULL)
    {
      if (*replacement != '\0')
        g_ptr_array_add (dirs, g_strdup (replacement));
    }
  else
    g_ptr_array_add (dirs, g_strdup (SKOPOS_TRANSPORT_DIR));

  g_ptr_array_add (dirs, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&dirs), FALSE);
}

static void
ensure_registry_locked (void)
{
  if (loaded != NULL)
    return;
  loaded = g_hash_table_new (g_str_hash, g_str_equal);
  failures = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                    (GDestroyNotify) skopos_transport_failure_free);
  search_path = build_search_path ();
  for (char **d = search_path; *d != NULL; d++)
    g_debug ("transport search folder: '%s'", *d);
}

const char *const *
skopos_transport_get_search_path (void)
{
  g_mutex_lock (&registry_lock);
  ensure_registry_locked ();
  g_mutex_unlock (&registry_lock);
  return (const char *const *) search_path;
}

void
_skopos_transport_registry_reset (void)
{
  g_mutex_lock (&registry_lock);
  g_clear_pointer (&loaded, g_hash_table_unref);
  g_clear_pointer (&failures, g_hash_table_unref);
  g_clear_pointer (&search_path, g_strfreev);
  g_mutex_unlock (&registry_lock);
}

void
skopos_transport_failure_free (SkoposTransportFailure *failure)
{
  if (failure == NULL)
    return;
  g_free (failure->name);
  g_free (failure->path);
  g_clear_error (&failure->error);
  g_free (failure);
}

static gboolean
is_valid_transport_name (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static gboolean
missing_op (GError **error, const char *path, const char *op)
{
  return skopos_throw (error, SKOPOS_ERROR_PLUGIN_LOAD,
                       "transport module '%s' lacks the required operation '%s'", path, op);
}

#define REQUIRE_OP(table, field, label)                                                       \
  G_STMT_START                                                                                \
  {                                                                                           \
    if ((table) == NULL || (table)->struct_size < offsetof (__typeof__ (*(table)), field)     \
                                                     + sizeof (gpointer)                      \
        || (table)->field == NULL)                                                            \
      return missing_op (error, path, label);                                                 \
  }                                                                                           \
  G_STMT_END

static gboolean
check_table_size (gsize size, gsize minimum, const char *path, const char *table, GError **error)
{
  if (size < minimum)
    return skopos_throw (error, SKOPOS_ERROR_PLUGIN_ABI,
                         "transport module '%s': table %s is too small (%zu bytes, at least %zu "
                         "expected)",
                         path, table, size, minimum);
  return TRUE;
}

gboolean
_skopos_transport_validate_descriptor (const SkoposTransportDescriptor *desc,
                                       const char *expected_name,
                                       const char *path,
                                       GError **error)
{
  if (desc == NULL)
    return skopos_throw (error, SKOPOS_ERROR_PLUGIN_LOAD,
                         "transport module '%s' returned no descriptor", path);

  if (desc->abi_major != SKOPOS_TRANSPORT_ABI_MAJOR)
    return skopos_throw (error, SKOPOS_ERROR_PLUGIN_ABI,
                         "transport module '%s' was built for transport ABI %u.%u, but this "
                         "libskopos has ABI %d.%d (different major version)",
                         path, desc->abi_major, desc->abi_minor, SKOPOS_TRANSPORT_ABI_MAJOR,
                         SKOPOS_TRANSPORT_ABI_MINOR);

  if (desc->abi_minor > SKOPOS_TRANSPORT_ABI_MINOR)
    return skopos_throw (error, SKOPOS_ERROR_PLUGIN_ABI,
                         "transport module '%s' needs transport ABI %u.%u, newer than this "
                         "libskopos's %d.%d",
                         path, desc->abi_major, desc->abi_minor, SKOPOS_TRANSPORT_ABI_MAJOR,
                         SKOPOS_TRANSPORT_ABI_MINOR);

  if (desc->struct_size < MIN_DESCRIPTOR_SIZE)
    return skopos_throw (error, SKOPOS_ERROR_PLUGIN_ABI,
                         "transport module '%s': descriptor is too small (%u bytes, at least "
                         "%zu expected)",
                         path, desc->struct_size, (gsize) MIN_DESCRIPTOR_SIZE);

  if (desc->name == NULL || g_strcmp0 (desc->name, expected_name) != 0)
    return skopos_throw (error, SKOPOS_ERROR_PLUGIN_LOAD,
                         "transport module '%s' calls itself '%s', but its file name says '%s'",
                         path, desc->name ? desc->name : "(null)", expected_name);

  if (desc->summary == NULL || *desc->summary == '\0')
    return missing_op (error, path, "summary");
  if (desc->parse_reference == NULL)
    return missing_op (error, path, "parse_reference");

  const SkoposReferenceOps *ref_ops = desc->reference_ops;
  if (ref_ops == NULL)
    return missing_op (error, path, "reference_ops");
  if (!check_table_size (ref_ops->struct_size, MIN_REFERENCE_OPS_SIZE, path, "reference_ops",
                         error))
    return FALSE;
  REQUIRE_OP (ref_ops, to_string, "reference_ops.to_string");
  REQUIRE_OP (ref_ops, policy_identity, "reference_ops.policy_identity");
  REQUIRE_OP (ref_ops, free, "reference_ops.free");

  if (desc->flags & SKOPOS_TRANSPORT_CAN_READ)
    {
      const SkoposSourceOps *src_ops = desc->source_ops;
      if (src_ops == NULL)
        return missing_op (error, path, "source_ops");
      if (!check_table_size (src_ops->struct_size, MIN_SOURCE_OPS_SIZE, path, "source_ops", error))
        return FALSE;
      REQUIRE_OP (ref_ops, open_source, "reference_ops.open_source");
      REQUIRE_OP (src_ops, get_manifest, "source_ops.get_manifest");
      REQUIRE_OP (src_ops, get_blob, "source_ops.get_blob");
      REQUIRE_OP (src_ops, free, "source_ops.free");
    }

  if (desc->flags & SKOPOS_TRANSPORT_CAN_WRITE)
    {
      const SkoposDestinationOps *dest_ops = desc->destination_ops;
      if (dest_ops == NULL)
        return missing_op (error, path, "destination_ops");
      if (!check_table_size (dest_ops->struct_size, MIN_DESTINATION_OPS_SIZE, path,
                             "destination_ops", error))
        return FALSE;
      REQUIRE_OP (ref_ops, open_destination, "reference_ops.open_destination");
      REQUIRE_OP (dest_ops, put_blob, "destination_ops.put_blob");
      REQUIRE_OP (dest_ops, put_manifest, "destination_ops.put_manifest");
      REQUIRE_OP (dest_ops, commit, "destination_ops.commit");
      REQUIRE_OP (dest_ops, free, "destination_ops.free");
    }

  if ((desc->flags & SKOPOS_TRANSPORT_CAN_DELETE))
    REQUIRE_OP (ref_ops, delete_image, "reference_ops.delete_image");
  if ((desc->flags & SKOPOS_TRANSPORT_CAN_LIST_TAGS) && desc->list_tags == NULL)
    return missing_op (error, path, "list_tags");
  if ((desc->flags & SKOPOS_TRANSPORT_CAN_CHECK_CREDENTIALS) && desc->check_credentials == NULL)
    return missing_op (error, path, "check_credentials");

  return TRUE;
}

/* Copies @size bytes of a module's table into a zeroed full-size one. */
static void
copy_table (void *dest, gsize dest_size, const void *src, gsize src_size)
{
  memset (dest, 0, dest_size);
  if (src != NULL)
    memcpy (dest, src, MIN (dest_size, src_size));
}

static SkoposTransport *
load_module (const char *name, const char *path, GError **error)
{
  typedef const SkoposTransportDescriptor *(*GetDescriptorFunc) (void);
  GetDescriptorFunc get_descriptor = NULL;

  g_debug ("loading transport '%s' from '%s'", name, path);

  GModule *module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      skopos_throw (error, SKOPOS_ERROR_PLUGIN_LOAD,
                    "transport module '%s' is not a loadable module: %s", path,
                    g_module_error ());
      return NULL;
    }

  if (!g_module_symbol (module, SKOPOS_TRANSPORT_DESCRIPTOR_SYMBOL, (gpointer *) &get_descriptor)
      || get_descriptor == NULL)
    {
      skopos_throw (error, SKOPOS_ERROR_PLUGIN_LOAD, "transport module '%s' does not export %s",
                    path, SKOPOS_TRANSPORT_DESCRIPTOR_SYMBOL);
      g_module_close (module);
      return NULL;
    }

  const SkoposTransportDescriptor *desc = get_descriptor ();
  if (!_skopos_transport_validate_descriptor (desc, name, path, error))
    {
      g_module_close (module);
      return NULL;
    }

  if (desc->init != NULL)
    {
      g_autoptr (GError) init_error = NULL;
      if (!desc->init (&init_error))
        {
          skopos_throw (error, SKOPOS_ERROR_PLUGIN_LOAD,
                        "transport module '%s' failed to initialise: %s", path,
                        init_error ? init_error->message : "no reason given");
          /* Its code has run; keep it mapped rather than risk dangling callbacks. */
          g_module_make_resident (module);
          return NULL;
        }
    }

  g_module_make_resident (module);

  SkoposTransport *transport = g_new0 (SkoposTransport, 1);
  transport->name = g_strdup (name);
  transport->path = g_strdup (path);
  transport->module = module;
  copy_table (&transport->desc, sizeof transport->desc, desc, desc->struct_size);
  copy_table (&transport->reference_ops, sizeof transport->reference_ops, desc->reference_ops,
              desc->reference_ops->struct_size);
  if (desc->source_ops != NULL)
    copy_table (&transport->source_ops, sizeof transport->source_ops, desc->source_ops,
                desc->source_ops->struct_size);
  if (desc->destination_ops != NULL)
    copy_table (&transport->destination_ops, sizeof transport->destination_ops,
                desc->destination_ops, desc->destination_ops->struct_size);
  return transport;
}

static char *
module_file_name (const char *name)
{
  return g_strconcat (SKOPOS_TRANSPORT_FILE_PREFIX, name, ".", G_MODULE_SUFFIX, NULL);
}

static char *
find_module_file (const char *name)
{
  g_autofree char *file_name = module_file_name (name);
  for (char **d = search_path; *d != NULL; d++)
    {
      g_autofree char *candidate = g_build_filename (*d, file_name, NULL);
      if (g_file_test (candidate, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&candidate);
      g_debug ("no '%s' in '%s'", file_name, *d);
    }
  return NULL;
}

static gboolean
is_bundled (const char *name)
{
  return g_strv_contains (bundled_transports, name);
}

static SkoposTransport *
lookup_locked (const char *name, GError **error)
{
  SkoposTransport *transport = g_hash_table_lookup (loaded, name);
  if (transport != NULL)
    return transport;

  SkoposTransportFailure *failure = g_hash_table_lookup (failures, name);
  if (failure != NULL)
    {
      g_propagate_error (error, g_error_copy (failure->error));
      return NULL;
    }

  g_autofree char *path = find_module_file (name);
  if (path == NULL)
    {
      g_autofree char *folders = g_strjoinv (":", search_path);
      if (is_bundled (name))
        skopos_throw (error, SKOPOS_ERROR_UNKNOWN_TRANSPORT,
                      "transport '%s' is not installed (no %s%s.%s in '%s')", name,
                      SKOPOS_TRANSPORT_FILE_PREFIX, name, G_MODULE_SUFFIX, folders);
      else
        skopos_throw (error, SKOPOS_ERROR_UNKNOWN_TRANSPORT,
                      "unknown transport '%s' (no %s%s.%s in '%s')", name,
                      SKOPOS_TRANSPORT_FILE_PREFIX, name, G_MODULE_SUFFIX, folders);
      return NULL;
    }

  g_autoptr (GError) local_error = NULL;
  transport = load_module (name, path, &local_error);
  if (transport == NULL)
    {
      g_debug ("transport '%s' rejected: %s", name, local_error->message);
      SkoposTransportFailure *f = g_new0 (SkoposTransportFailure, 1);
      f->name = g_strdup (name);
      f->path = g_strdup (path);
      f->error = g_error_copy (local_error);
      g_hash_table_replace (failures, f->name, f);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  g_hash_table_replace (loaded, transport->name, transport);
  return transport;
}

SkoposTransport *
skopos_transport_lookup (const char *name, GError **error)
{
  if (!is_valid_transport_name (name))
    {
      skopos_throw (error, SKOPOS_ERROR_UNKNOWN_TRANSPORT, "invalid transport name '%s'",
                    name ? name : "");
      return NULL;
    }

  g_mutex_lock (&registry_lock);
  ensure_registry_locked ();
  SkoposTransport *transport = lookup_locked (name, error);
  g_mutex_unlock (&registry_lock);
  return transport;
}

/* Transport names of every module file in the search path, first seen first. */
static GPtrArray *
scan_module_names_locked (void)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *suffix = g_strconcat (".", G_MODULE_SUFFIX, NULL);

  for (char **d = search_path; *d != NULL; d++)
    {
      g_autoptr (GDir) dir = g_dir_open (*d, 0, NULL);
      if (dir == NULL)
        continue;
      const char *file;
      while ((file = g_dir_read_name (dir)) != NULL)
        {
          if (!g_str_has_prefix (file, SKOPOS_TRANSPORT_FILE_PREFIX)
              || !g_str_has_suffix (file, suffix))
            continue;
          gsize prefix_len = strlen (SKOPOS_TRANSPORT_FILE_PREFIX);
          g_autofree char *name = g_strndup (file + prefix_len,
                                             strlen (file) - prefix_len - strlen (suffix));
          if (!is_valid_transport_name (name))
            continue;
          if (!g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL))
            g_ptr_array_add (names, g_steal_pointer (&name));
        }
    }
  return names;
}

static gint
compare_transports (gconstpointer a, gconstpointer b)
{
  const SkoposTransport *ta = *(const SkoposTransport **) a;
  const SkoposTransport *tb = *(const SkoposTransport **) b;
  return strcmp (ta->name, tb->name);
}

static gint
compare_failures (gconstpointer a, gconstpointer b)
{
  const SkoposTransportFailure *fa = *(const SkoposTransportFailure **) a;
  const SkoposTransportFailure *fb = *(const SkoposTransportFailure **) b;
  return strcmp (fa->name, fb->name);
}

GPtrArray *
skopos_transport_list_all (GPtrArray **out_failures)
{
  GPtrArray *transports = g_ptr_array_new ();
  g_autoptr (GPtrArray) failed = g_ptr_array_new_with_free_func (
      (GDestroyNotify) skopos_transport_failure_free);

  g_mutex_lock (&registry_lock);
  ensure_registry_locked ();
  g_autoptr (GPtrArray) names = scan_module_names_locked ();
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      SkoposTransport *transport = lookup_locked (name, NULL);
      if (transport != NULL)
        {
          g_ptr_array_add (transports, transport);
          continue;
        }
      SkoposTransportFailure *f = g_hash_table_lookup (failures, name);
      if (f != NULL)
        {
          SkoposTransportFailure *copy = g_new0 (SkoposTransportFailure, 1);
          copy->name = g_strdup (f->name);
          copy->path = g_strdup (f->path);
          copy->error = g_error_copy (f->error);
          g_ptr_array_add (failed, copy);
        }
    }
  g_mutex_unlock (&registry_lock);

  g_ptr_array_sort (transports, compare_transports);
  g_ptr_array_sort (failed, compare_failures);
  if (out_failures != NULL)
    *out_failures = g_steal_pointer (&failed);
  return transports;
}

const char *
skopos_transport_get_name (SkoposTransport *transport)
{
  return transport->name;
}

const char *
skopos_transport_get_summary (SkoposTransport *transport)
{
  return transport->desc.summary;
}

const char *
skopos_transport_get_version (SkoposTransport *transport)
{
  return transport->desc.version ? transport->desc.version : "unknown";
}

const char *
skopos_transport_get_path (SkoposTransport *transport)
{
  return transport->path;
}

guint
skopos_transport_get_flags (SkoposTransport *transport)
{
  return transport->desc.flags;
}

char **
skopos_transport_dup_capability_names (SkoposTransport *transport)
{
  static const struct
  {
    guint flag;
    const char *name;
  } capabilities[] = {
    { SKOPOS_TRANSPORT_CAN_READ, "read" },
    { SKOPOS_TRANSPORT_CAN_WRITE, "write" },
    { SKOPOS_TRANSPORT_CAN_DELETE, "delete" },
    { SKOPOS_TRANSPORT_CAN_LIST_TAGS, "list-tags" },
    { SKOPOS_TRANSPORT_HAS_SIGNATURES, "signatures" },
    { SKOPOS_TRANSPORT_CAN_CHECK_CREDENTIALS, "credentials" },
  };
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  for (gsize i = 0; i < G_N_ELEMENTS (capabilities); i++)
    if (transport->desc.flags & capabilities[i].flag)
      g_strv_builder_add (builder, capabilities[i].name);
  return g_strv_builder_end (builder);
}
