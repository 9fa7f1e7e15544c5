/* skopos-docker-reference.c: parsing and printing docker image names.
 *
 * The grammar is the one registries and the containers tools share:
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] component ( "/" component )*
 *   domain     := host ( "." host )* [ ":" port ]      host: [A-Za-z0-9] or
 *                                                     [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]
 *   component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest     := algorithm ":" hex                   (skopos: sha256 and sha512 only)
 *
 * Whether the text before the first "/" is a domain is decided the way docker does it:
 * it is one when it is "localhost" or contains a "." or a ":"; otherwise the whole text
 * is a path on docker.io. Names are normalised on the way in ("busybox" becomes
 * "docker.io/library/busybox", "index.docker.io" becomes "docker.io") and shortened
 * again only by skopos_docker_reference_to_familiar_string().
 *
 * The scanner is written by hand rather than with GRegex: every piece of the grammar is a
 * simple character class, and a scanner can say which piece was wrong.
 *
 * Two deliberate differences from the containers library: a text whose first component
 * looks like a domain but is not a valid one ("my_host.com/x") is refused instead of being
 * read as a path without any domain, and IPv6 literals in brackets are refused, as the
 * containers library at the version skopeo uses refuses them too.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include <skopos/skopos-docker-reference.h>
#include <skopos/skopos-error.h>

#define DEFAULT_DOMAIN "docker.io"
#define LEGACY_DEFAULT_DOMAIN "index.docker.io"
#define OFFICIAL_REPO_PREFIX "library/"
#define DEFAULT_TAG "latest"
#define NAME_TOTAL_LENGTH_MAX 255
#define TAG_LENGTH_MAX 128

struct _SkoposDockerReference
{
  char *domain;
  char *path;
  char *tag;    /* nullable */
  char *digest; /* nullable */
};

/* ---- Character classes ---------------------------------------------------------- */

static gboolean
is_lower_alnum (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static gboolean
is_alnum (char c)
{
  return g_ascii_isalnum (c);
}

static gboolean
is_word (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

static gboolean
is_lower_hex (char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* ---- Pieces of the grammar ------------------------------------------------------ */

/* One path component: runs of [a-z0-9] joined by ".", "_", "__" or any number of "-". */
static gboolean
path_component_is_valid (const char *s, gsize len)
{
  gsize i = 0;

  if (len == 0 || !is_lower_alnum (s[0]))
    return FALSE;

  while (i < len)
    {
      if (is_lower_alnum (s[i]))
        {
          i++;
          continue;
        }

      if (s[i] == '.')
        i++;
      else if (s[i] == '_')
        i += (i + 1 < len && s[i + 1] == '_') ? 2 : 1;
      else if (s[i] == '-')
        while (i < len && s[i] == '-')
          i++;
      else
        return FALSE;

      /* A separator always sits between two alphanumerics. */
      if (i >= len || !is_lower_alnum (s[i]))
        return FALSE;
    }

  return TRUE;
}

/* Checks every "/"-separated component of @path; on failure *out_bad_len/out_bad tell
 * which component was wrong, for the message. */
static gboolean
path_is_valid (const char *path, const char **out_bad, gsize *out_bad_len)
{
  const char *p = path;

  for (;;)
    {
      const char *slash = strchr (p, '/');
      gsize len = slash ? (gsize) (slash - p) : strlen (p);

      if (!path_component_is_valid (p, len))
        {
          *out_bad = p;
          *out_bad_len = len;
          return FALSE;
        }
      if (slash == NULL)
        return TRUE;
      p = slash + 1;
    }
}

/* host ( "." host )* [ ":" port ], where a host label may hold inner dashes. */
static gboolean
domain_is_valid (const char *domain)
{
  const char *p = domain;

  for (;;)
    {
      const char *start = p;

      while (is_alnum (*p) || *p == '-')
        p++;
      if (p == start || !is_alnum (start[0]) || !is_alnum (p[-1]))
        return FALSE;

      if (*p == '.')
        {
          p++;
          continue;
        }
      break;
    }

  if (*p == ':')
    {
      const char *port = ++p;

      while (g_ascii_isdigit (*p))
        p++;
      if (p == port)
        return FALSE;
    }

  return *p == '\0';
}

static gboolean
tag_is_valid (const char *tag)
{
  gsize len = strlen (tag);

  if (len == 0 || len > TAG_LENGTH_MAX || !is_word (tag[0]))
    return FALSE;
  for (gsize i = 1; i < len; i++)
    if (!is_word (tag[i]) && tag[i] != '.' && tag[i] != '-')
      return FALSE;
  return TRUE;
}

/* algorithm := [A-Za-z][A-Za-z0-9]* ( [-_+.] [A-Za-z][A-Za-z0-9]* )*; returns its
 * length, or 0 if @s does not start with one. */
static gsize
scan_digest_algorithm (const char *s)
{
  gsize i = 0;

  for (;;)
    {
      if (!g_ascii_isalpha (s[i]))
        return 0;
      while (g_ascii_isalnum (s[i]))
        i++;
      if (s[i] == '-' || s[i] == '_' || s[i] == '+' || s[i] == '.')
        {
          i++;
          continue;
        }
      return i;
    }
}

/* The digest grammar the containers tools accept, then skopos's own limit: only sha256
 * and sha512, in lower-case hex of the exact length. The message is the part after
 * "invalid reference '...': ". */
static gboolean
digest_check (const char *digest, char **out_message)
{
  gsize alg_len = scan_digest_algorithm (digest);
  const char *hex;
  gsize hex_len;
  gsize expected_len;

  if (alg_len == 0 || digest[alg_len] != ':')
    {
      *out_message = g_strdup_printf ("invalid digest '%s': expected algorithm:hex", digest);
      return FALSE;
    }

  hex = digest + alg_len + 1;
  hex_len = strlen (hex);
  for (gsize i = 0; i < hex_len; i++)
    if (!g_ascii_isxdigit (hex[i]))
      {
        *out_message = g_strdup_printf ("invalid digest '%s': '%c' is not a hex digit",
                                        digest, hex[i]);
        return FALSE;
      }
  if (hex_len < 32)
    {
      *out_message = g_strdup_printf ("invalid digest '%s': too short", digest);
      return FALSE;
    }

  if (alg_len == 6 && strncmp (digest, "sha256", 6) == 0)
    expected_len = 64;
  else if (alg_len == 6 && strncmp (digest, "sha512", 6) == 0)
    expected_len = 128;
  else
    {
      *out_message = g_strdup_printf ("unsupported digest algorithm '%.*s' "
                                      "(only sha256 and sha512 are supported)",
                                      (int) alg_len, digest);
      return FALSE;
    }

  if (hex_len != expected_len)
    {
      *out_message = g_strdup_printf ("invalid digest '%s': %.*s needs %" G_GSIZE_FORMAT
                                      " hex digits, not %" G_GSIZE_FORMAT,
                                      digest, (int) alg_len, digest, expected_len, hex_len);
      return FALSE;
    }
  for (gsize i = 0; i < hex_len; i++)
    if (!is_lower_hex (hex[i]))
      {
        *out_message = g_strdup_printf ("invalid digest '%s': hex digits must be lower case",
                                        digest);
        return FALSE;
      }

  return TRUE;
}

static gboolean
is_full_identifier (const char *s)
{
  gsize len = strlen (s);

  if (len != 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!is_lower_hex (s[i]))
      return FALSE;
  return TRUE;
}

/* ---- Parsing -------------------------------------------------------------------- */

/* Sets the error every parse failure has, "invalid reference '<text>': <reason>", and
 * returns NULL so a failure is one line. */
static SkoposDockerReference *
invalid_reference (GError **error, const char *text, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static SkoposDockerReference *
invalid_reference (GError **error, const char *text, const char *format, ...)
{
  va_list args;
  g_autofree char *reason = NULL;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE, "invalid reference '%s': %s", text,
                reason);
  return NULL;
}

/* Docker's rule for whether the first component names a registry: on a text without
 * a "/", or whose first component is neither "localhost" nor contains "." or ":", the
 * whole text is a path on docker.io. */
static void
split_docker_domain (const char *text, char **out_domain, char **out_remainder)
{
  const char *slash = strchr (text, '/');
  g_autofree char *domain = NULL;
  g_autofree char *remainder = NULL;

  if (slash != NULL)
    {
      g_autofree char *first = g_strndup (text, slash - text);

      if (strpbrk (first, ".:") != NULL || strcmp (first, "localhost") == 0)
        {
          domain = g_steal_pointer (&first);
          remainder = g_strdup (slash + 1);
        }
    }
  if (domain == NULL)
    {
      domain = g_strdup (DEFAULT_DOMAIN);
      remainder = g_strdup (text);
    }

  if (strcmp (domain, LEGACY_DEFAULT_DOMAIN) == 0)
    {
      g_free (domain);
      domain = g_strdup (DEFAULT_DOMAIN);
    }

  /* Official images live under "library/" on docker.io. */
  if (strcmp (domain, DEFAULT_DOMAIN) == 0 && strchr (remainder, '/') == NULL)
    {
      char *prefixed = g_strconcat (OFFICIAL_REPO_PREFIX, remainder, NULL);

      g_free (remainder);
      remainder = prefixed;
    }

  *out_domain = g_steal_pointer (&domain);
  *out_remainder = g_steal_pointer (&remainder);
}

static gboolean
has_upper (const char *s)
{
  for (; *s != '\0'; s++)
    if (g_ascii_isupper (*s))
      return TRUE;
  return FALSE;
}

SkoposDockerReference *
skopos_docker_reference_parse (const char *text, GError **error)
{
  g_autofree char *domain = NULL;
  g_autofree char *remainder = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *tag = NULL;
  g_autoptr (SkoposDockerReference) ref = NULL;
  char *at;
  char *colon;
  const char *bad = NULL;
  gsize bad_len = 0;

  g_return_val_if_fail (text != NULL, NULL);

  if (*text == '\0')
    return invalid_reference (error, text, "repository name must have at least one component");

  /* A bare image ID would otherwise read as a repository on docker.io. */
  if (is_full_identifier (text))
    return invalid_reference (error, text, "cannot specify 64-byte hexadecimal strings");

  split_docker_domain (text, &domain, &remainder);

  /* Neither the path nor the tag can hold "@", and the path cannot hold ":", so the
   * first "@" starts the digest and the first ":" before it starts the tag. */
  at = strchr (remainder, '@');
  if (at != NULL)
    {
      digest = g_strdup (at + 1);
      *at = '\0';
    }
  colon = strchr (remainder, ':');
  if (colon != NULL)
    {
      tag = g_strdup (colon + 1);
      *colon = '\0';
    }

  if (has_upper (remainder))
    return invalid_reference (error, text, "repository name must be lowercase");

  if (!domain_is_valid (domain))
    return invalid_reference (error, text, "invalid domain '%s'", domain);

  if (!path_is_valid (remainder, &bad, &bad_len))
    {
      if (bad_len == 0)
        return invalid_reference (error, text, "invalid reference format: empty path component");
      return invalid_reference (error, text,
                                "invalid reference format: invalid path component '%.*s'",
                                (int) bad_len, bad);
    }

  if (strlen (domain) + 1 + strlen (remainder) > NAME_TOTAL_LENGTH_MAX)
    return invalid_reference (error, text, "repository name must not be more than %d characters",
                              NAME_TOTAL_LENGTH_MAX);

  if (tag != NULL && !tag_is_valid (tag))
    return invalid_reference (error, text, "invalid tag '%s'", tag);

  if (digest != NULL)
    {
      g_autofree char *reason = NULL;

      if (!digest_check (digest, &reason))
        return invalid_reference (error, text, "%s", reason);
    }

  ref = g_new0 (SkoposDockerReference, 1);
  ref->domain = g_steal_pointer (&domain);
  ref->path = g_steal_pointer (&remainder);
  ref->tag = g_steal_pointer (&tag);
  ref->digest = g_steal_pointer (&digest);
  return g_steal_pointer (&ref);
}

gboolean
skopos_docker_tag_validate (const char *tag, GError **error)
{
  g_return_val_if_fail (tag != NULL, FALSE);

  if (!tag_is_valid (tag))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_REFERENCE,
                         "invalid tag '%s': a tag is 1 to 128 characters of [A-Za-z0-9_.-] "
                         "and does not start with '.' or '-'",
                         tag);
  return TRUE;
}

/* ---- Accessors and derived forms ------------------------------------------------ */

SkoposDockerReference *
skopos_docker_reference_copy (const SkoposDockerReference *ref)
{
  SkoposDockerReference *copy;

  g_return_val_if_fail (ref != NULL, NULL);

  copy = g_new0 (SkoposDockerReference, 1);
  copy->domain = g_strdup (ref->domain);
  copy->path = g_strdup (ref->path);
  copy->tag = g_strdup (ref->tag);
  copy->digest = g_strdup (ref->digest);
  return copy;
}

void
skopos_docker_reference_free (SkoposDockerReference *ref)
{
  if (ref == NULL)
    return;

  g_free (ref->domain);
  g_free (ref->path);
  g_free (ref->tag);
  g_free (ref->digest);
  g_free (ref);
}

const char *
skopos_docker_reference_get_domain (const SkoposDockerReference *ref)
{
  g_return_val_if_fail (ref != NULL, NULL);
  return ref->domain;
}

const char *
skopos_docker_reference_get_path (const SkoposDockerReference *ref)
{
  g_return_val_if_fail (ref != NULL, NULL);
  return ref->path;
}

const char *
skopos_docker_reference_get_tag (const SkoposDockerReference *ref)
{
  g_return_val_if_fail (ref != NULL, NULL);
  return ref->tag;
}

const char *
skopos_docker_reference_get_digest (const SkoposDockerReference *ref)
{
  g_return_val_if_fail (ref != NULL, NULL);
  return ref->digest;
}

char *
skopos_docker_reference_dup_name (const SkoposDockerReference *ref)
{
  g_return_val_if_fail (ref != NULL, NULL);
  return g_strconcat (ref->domain, "/", ref->path, NULL);
}

static char *
format_reference (const char *name, const SkoposDockerReference *ref)
{
  GString *s = g_string_new (name);

  if (ref->tag != NULL)
    g_string_append_printf (s, ":%s", ref->tag);
  if (ref->digest != NULL)
    g_string_append_printf (s, "@%s", ref->digest);
  return g_string_free (s, FALSE);
}

char *
skopos_docker_reference_to_string (const SkoposDockerReference *ref)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (ref != NULL, NULL);

  name = skopos_docker_reference_dup_name (ref);
  return format_reference (name, ref);
}

char *
skopos_docker_reference_to_familiar_string (const SkoposDockerReference *ref)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (ref != NULL, NULL);

  if (strcmp (ref->domain, DEFAULT_DOMAIN) != 0)
    name = skopos_docker_reference_dup_name (ref);
  else if (g_str_has_prefix (ref->path, OFFICIAL_REPO_PREFIX)
           && strchr (ref->path + strlen (OFFICIAL_REPO_PREFIX), '/') == NULL)
    /* Only "library/x" shortens to "x"; "library/a/b" keeps its namespace. */
    name = g_strdup (ref->path + strlen (OFFICIAL_REPO_PREFIX));
  else
    name = g_strdup (ref->path);

  return format_reference (name, ref);
}

gboolean
skopos_docker_reference_is_name_only (const SkoposDockerReference *ref)
{
  g_return_val_if_fail (ref != NULL, FALSE);
  return ref->tag == NULL && ref->digest == NULL;
}

SkoposDockerReference *
skopos_docker_reference_with_default_tag (const SkoposDockerReference *ref)
{
  SkoposDockerReference *copy;

  g_return_val_if_fail (ref != NULL, NULL);

  copy = skopos_docker_reference_copy (ref);
  if (skopos_docker_reference_is_name_only (copy))
    copy->tag = g_strdup (DEFAULT_TAG);
  return copy;
}

SkoposDockerReference *
skopos_docker_reference_with_tag (const SkoposDockerReference *ref, const char *tag)
{
  SkoposDockerReference *copy;

  g_return_val_if_fail (ref != NULL, NULL);
  /* Callers holding user input check it with skopos_docker_tag_validate() first. */
  g_return_val_if_fail (tag == NULL || tag_is_valid (tag), NULL);

  copy = skopos_docker_reference_copy (ref);
  g_free (copy->tag);
  copy->tag = g_strdup (tag);
  return copy;
}
