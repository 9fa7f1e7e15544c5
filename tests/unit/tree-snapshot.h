/* tree-snapshot.h: a folder's files and contents, for tests that check a failed or
 * aborted operation left a destination exactly as it was (oci, dir).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <string.h>

#include "skopos-check.h"

/* The contents of @path (NUL-terminated); fails the test if it cannot be read. */
static inline char *
read_file (const char *path)
{
  char *contents = NULL;
  ck_assert_msg (g_file_get_contents (path, &contents, NULL, NULL), "reading %s", path);
  return contents;
}

static inline void
snapshot_into (GHashTable *snap, const char *root, const char *rel)
{
  g_autofree char *dir_path = rel ? g_build_filename (root, rel, NULL) : g_strdup (root);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  ck_assert_ptr_nonnull (dir);

  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_rel = rel ? g_build_filename (rel, name, NULL) : g_strdup (name);
      g_autofree char *child = g_build_filename (root, child_rel, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          g_hash_table_insert (snap, g_strconcat (child_rel, "/", NULL), g_strdup ("<dir>"));
          snapshot_into (snap, root, child_rel);
        }
      else
        g_hash_table_insert (snap, g_strdup (child_rel), read_file (child));
    }
}

/* Every file under @root with its contents, and every folder ("name/" → "<dir>"). */
static inline GHashTable *
snapshot (const char *root)
{
  GHashTable *snap = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  snapshot_into (snap, root, NULL);
  return snap;
}

static inline void
assert_same_snapshot (GHashTable *before, GHashTable *after)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &key, &value))
    ck_assert_msg (g_hash_table_contains (before, key), "'%s' was added", (char *) key);
  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *now = g_hash_table_lookup (after, key);
      ck_assert_msg (now != NULL, "'%s' was removed", (char *) key);
      ck_assert_msg (strcmp (now, value) == 0, "'%s' changed", (char *) key);
    }
}

/* File @name of @snap holds exactly @expected (GBytes are not NUL-terminated, so the
 * comparison goes through a terminated copy). */
static inline void
assert_snapshot_file_is (GHashTable *snap, const char *name, GBytes *expected)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (expected, &len);
  g_autofree char *terminated = g_strndup (data, len);
  const char *actual = g_hash_table_lookup (snap, name);
  ck_assert_msg (actual != NULL, "'%s' is missing", name);
  ck_assert_str_eq (actual, terminated);
}
