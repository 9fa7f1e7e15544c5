/* skopos-platform.c: platforms, and choosing one instance of a manifest list.
 *
 * Platforms use Go's names (GOOS/GOARCH: linux, amd64, arm64, 386, ...) because that is
 * what lists contain. The platform of this process comes from uname(2), mapped to Go's
 * names; a 32-bit build on a 64-bit kernel reports the 32-bit architecture, as a
 * 32-bit skopeo would. The arm variant is what containers/image detects: v8 for
 * arm64, and for 32-bit arm the kernel's "CPU architecture" (falling back to the
 * machine name, armv7l → v7).
 *
 * Choosing an instance follows containers/image's platform matcher: the wanted
 * platform expands into a list of acceptable (os, architecture, variant) triples, most
 * specific first: arm v7 accepts v7, v6, v5 and no variant; arm64 v8 accepts v8 and no
 * variant; an unknown variant accepts itself and no variant; no variant accepts none,
 * then every known variant. An earlier triple beats a later one; within a triple the
 * earlier list entry wins, except that an OCI index prefers an instance marked as zstd
 * (containers/image prefers zstd unless told to prefer gzip). An OCI index entry
 * without a platform is a last resort; a Docker list entry always has a platform, and
 * an empty one matches nothing.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>
#include <sys/utsname.h>

#include <skopos/skopos-error.h>
#include <skopos/skopos-manifest.h>

#include "skopos-manifest-private.h"

#define ZSTD_INSTANCE_ANNOTATION "io.github.containers.compression.zstd"

SkoposPlatform *
skopos_platform_copy (const SkoposPlatform *platform)
{
  if (platform == NULL)
    return NULL;

  SkoposPlatform *copy = g_new0 (SkoposPlatform, 1);
  copy->os = g_strdup (platform->os);
  copy->architecture = g_strdup (platform->architecture);
  copy->variant = g_strdup (platform->variant);
  copy->os_version = g_strdup (platform->os_version);
  copy->os_features = g_strdupv (platform->os_features);
  copy->features = g_strdupv (platform->features);
  return copy;
}

void
skopos_platform_free (SkoposPlatform *platform)
{
  if (platform == NULL)
    return;

  g_free (platform->os);
  g_free (platform->architecture);
  g_free (platform->variant);
  g_free (platform->os_version);
  g_strfreev (platform->os_features);
  g_strfreev (platform->features);
  g_free (platform);
}

char *
skopos_platform_to_string (const SkoposPlatform *platform)
{
  g_return_val_if_fail (platform != NULL, NULL);

  if (platform->variant != NULL && *platform->variant != '\0')
    return g_strdup_printf ("%s/%s/%s", platform->os ? platform->os : "",
                            platform->architecture ? platform->architecture : "",
                            platform->variant);
  return g_strdup_printf ("%s/%s", platform->os ? platform->os : "",
                          platform->architecture ? platform->architecture : "");
}

/* ---- this machine --------------------------------------------------------------------- */

typedef struct
{
  const char *machine; /* uname -m; a trailing '*' matches any suffix */
  const char *arch;
  const char *arch_32bit; /* what a 32-bit process on this kernel is; NULL if the same */
  const char *variant;
} MachineName;

static const MachineName machine_names[] = {
  { "x86_64", "amd64", "386", NULL },
  { "amd64", "amd64", "386", NULL },
  { "i386", "386", NULL, NULL },
  { "i486", "386", NULL, NULL },
  { "i586", "386", NULL, NULL },
  { "i686", "386", NULL, NULL },
  { "aarch64", "arm64", "arm", "v8" },
  { "arm64", "arm64", "arm", "v8" },
  { "armv8*", "arm", NULL, "v8" },
  { "armv7*", "arm", NULL, "v7" },
  { "armv6*", "arm", NULL, "v6" },
  { "armv5*", "arm", NULL, "v5" },
  { "ppc64le", "ppc64le", NULL, NULL },
  { "ppc64", "ppc64", NULL, NULL },
  { "s390x", "s390x", NULL, NULL },
  { "riscv64", "riscv64", NULL, NULL },
  { "loongarch64", "loong64", NULL, NULL },
  { "mips64", "mips64", NULL, NULL },
  { "mips", "mips", NULL, NULL },
};

void
_skopos_platform_from_machine (const char *machine, gboolean pointer_is_32bit,
                               char **out_arch, char **out_variant)
{
  *out_arch = NULL;
  *out_variant = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (machine_names); i++)
    {
      const MachineName *n = &machine_names[i];
      gsize len = strlen (n->machine);
      gboolean prefix = n->machine[len - 1] == '*';
      gboolean match = prefix ? strncmp (machine, n->machine, len - 1) == 0
                              : strcmp (machine, n->machine) == 0;

      if (!match)
        continue;
      if (pointer_is_32bit && n->arch_32bit != NULL)
        *out_arch = g_strdup (n->arch_32bit);
      else
        *out_arch = g_strdup (n->arch);
      *out_variant = g_strdup (n->variant);
      return;
    }
  *out_arch = g_strdup (machine);
}

/* Go names little-endian MIPS with an "le" suffix; uname does not tell the order. */
static char *
fix_endianness (char *arch)
{
  if (G_BYTE_ORDER == G_LITTLE_ENDIAN
      && (strcmp (arch, "mips") == 0 || strcmp (arch, "mips64") == 0))
    {
      char *le = g_strconcat (arch, "le", NULL);
      g_free (arch);
      return le;
    }
  return arch;
}

/* The kernel's "CPU architecture" line, as containers/image reads it for 32-bit arm
 * (the machine name can say armv7l on a v8 CPU running 32-bit code). */
static char *
arm_variant_from_cpuinfo (void)
{
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/cpuinfo", &contents, NULL, NULL))
    return NULL;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) kv = g_strsplit (lines[i], ":", 2);
      if (kv[0] == NULL || kv[1] == NULL)
        continue;
      g_strstrip (kv[0]);
      if (g_ascii_strcasecmp (kv[0], "CPU architecture") != 0)
        continue;

      g_autofree char *value = g_ascii_strdown (g_strstrip (kv[1]), -1);
      if (strcmp (value, "8") == 0 || strcmp (value, "aarch64") == 0)
        return g_strdup ("v8");
      if (strcmp (value, "7") == 0 || strcmp (value, "7m") == 0)
        return g_strdup ("v7");
      if (strcmp (value, "6") == 0 || strcmp (value, "6tej") == 0)
        return g_strdup ("v6");
      if (g_str_has_prefix (value, "5"))
        return g_strdup ("v5");
      return NULL;
    }
  return NULL;
}

SkoposPlatform *
skopos_platform_new_for_runtime (const char *os, const char *arch, const char *variant)
{
  SkoposPlatform *p = g_new0 (SkoposPlatform, 1);
  struct utsname u;

  p->os = g_strdup (os != NULL && *os != '\0' ? os : "linux");

  if (arch != NULL && *arch != '\0')
    {
      /* An architecture chosen by the user gets no detected variant, as upstream:
       * the machine's variant says nothing about another architecture, and could not
       * be overridden back to none. */
      p->architecture = g_strdup (arch);
    }
  else if (uname (&u) == 0)
    {
      _skopos_platform_from_machine (u.machine, sizeof (void *) == 4, &p->architecture,
                                     &p->variant);
      p->architecture = fix_endianness (p->architecture);
      if (strcmp (p->architecture, "arm") == 0)
        {
          char *detected = arm_variant_from_cpuinfo ();
          if (detected != NULL)
            {
              g_free (p->variant);
              p->variant = detected;
            }
        }
      else if (strcmp (p->architecture, "arm64") != 0)
        g_clear_pointer (&p->variant, g_free);
    }
  else
    p->architecture = g_strdup ("amd64");

  if (variant != NULL && *variant != '\0')
    {
      g_free (p->variant);
      p->variant = g_strdup (variant);
    }
  return p;
}

/* ---- choosing an instance --------------------------------------------------------------- */

/* Known variants of an architecture, most capable first. */
static const char *const arm_variants[] = { "v8", "v7", "v6", "v5", NULL };
static const char *const arm64_variants[] = { "v8", NULL };

static const char *const *
known_variants (const char *arch)
{
  if (g_strcmp0 (arch, "arm") == 0)
    return arm_variants;
  if (g_strcmp0 (arch, "arm64") == 0)
    return arm64_variants;
  return NULL;
}

/* The variants acceptable for @wanted, in order of preference ("" is no variant). */
static GPtrArray *
wanted_variants (const SkoposPlatform *wanted)
{
  GPtrArray *variants = g_ptr_array_new ();
  const char *const *known = known_variants (wanted->architecture);
  const char *variant = wanted->variant != NULL ? wanted->variant : "";

  if (*variant != '\0')
    {
      gboolean found = FALSE;

      for (guint i = 0; known != NULL && known[i] != NULL; i++)
        if (found || strcmp (known[i], variant) == 0)
          {
            found = TRUE;
            g_ptr_array_add (variants, (gpointer) known[i]);
          }
      if (!found)
        g_ptr_array_add (variants, (gpointer) variant);
      g_ptr_array_add (variants, (gpointer) "");
    }
  else
    {
      g_ptr_array_add (variants, (gpointer) "");
      for (guint i = 0; known != NULL && known[i] != NULL; i++)
        g_ptr_array_add (variants, (gpointer) known[i]);
    }
  return variants;
}

static const char *
or_empty (const char *s)
{
  return s != NULL ? s : "";
}

/* The index in @variants of the first acceptable triple @platform matches, or -1. */
static gint
match_rank (const SkoposPlatform *platform, const SkoposPlatform *wanted, GPtrArray *variants)
{
  if (strcmp (or_empty (platform->architecture), or_empty (wanted->architecture)) != 0
      || strcmp (or_empty (platform->os), or_empty (wanted->os)) != 0)
    return -1;
  for (guint i = 0; i < variants->len; i++)
    if (strcmp (or_empty (platform->variant), variants->pdata[i]) == 0)
      return (gint) i;
  return -1;
}

static gboolean
is_zstd_instance (const SkoposDescriptor *d)
{
  return d->annotations != NULL
         && g_strcmp0 (g_hash_table_lookup (d->annotations, ZSTD_INSTANCE_ANNOTATION), "true") == 0;
}

const SkoposDescriptor *
skopos_manifest_list_choose_instance (const SkoposManifest *list, const SkoposPlatform *wanted,
                                      GError **error)
{
  g_autoptr (GPtrArray) variants = NULL;
  gboolean oci;
  const SkoposDescriptor *best = NULL;
  gint best_rank = G_MAXINT;
  gboolean best_zstd = FALSE;

  g_return_val_if_fail (list != NULL && wanted != NULL, NULL);

  if (!list->is_list)
    {
      skopos_throw (error, SKOPOS_ERROR_INVALID_ARGUMENT,
                    "cannot choose an instance: %s is not a manifest list",
                    list->media_type != NULL ? list->media_type : "the manifest");
      return NULL;
    }

  oci = g_strcmp0 (list->media_type, SKOPOS_MEDIA_TYPE_OCI_INDEX) == 0;
  variants = wanted_variants (wanted);

  for (guint i = 0; i < list->manifests->len; i++)
    {
      const SkoposDescriptor *d = list->manifests->pdata[i];
      gint rank;
      gboolean zstd = oci && is_zstd_instance (d);

      if (d->platform != NULL)
        {
          rank = match_rank (d->platform, wanted, variants);
          if (rank < 0)
            continue;
        }
      else if (oci)
        rank = G_MAXINT - 1; /* below every platform match, above nothing */
      else
        continue;

      /* Earlier entries win ties, so only a strictly better candidate replaces one. */
      if (best == NULL || rank < best_rank || (rank == best_rank && zstd && !best_zstd))
        {
          best = d;
          best_rank = rank;
          best_zstd = zstd;
        }
    }

  if (best == NULL)
    {
      g_autoptr (GString) msg = g_string_new ("no image found in ");
      g_string_append (msg, oci ? "image index" : "manifest list");
      g_string_append (msg, " for architecture ");
      _skopos_append_go_quoted (msg, wanted->architecture);
      g_string_append (msg, ", variant ");
      _skopos_append_go_quoted (msg, variants->pdata[0]);
      g_string_append (msg, ", OS ");
      _skopos_append_go_quoted (msg, wanted->os);
      g_set_error_literal (error, SKOPOS_ERROR, SKOPOS_ERROR_NO_MATCHING_PLATFORM, msg->str);
      return NULL;
    }
  return best;
}
