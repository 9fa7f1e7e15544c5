/* skopos-digest.c: "algorithm:hex" digests.
 *
 * Only sha256 and sha512 are accepted, in lowercase hex of the exact length. That
 * strictness is what lets every transport use a validated digest as a file name:
 * nothing that passes skopos_digest_validate() can contain a '/' or "..".
 *
 * Hashing goes through OpenSSL's EVP interface, which uses the CPU's SHA extensions
 * where they exist (GChecksum does not).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <openssl/evp.h>
#include <string.h>

#include <skopos/skopos-digest.h>
#include <skopos/skopos-error.h>

struct _SkoposDigester
{
  EVP_MD_CTX *ctx;
  char *algorithm;
};

static const EVP_MD *
md_for_algorithm (const char *algorithm)
{
  if (g_strcmp0 (algorithm, "sha256") == 0)
    return EVP_sha256 ();
  if (g_strcmp0 (algorithm, "sha512") == 0)
    return EVP_sha512 ();
  return NULL;
}

static gsize
hex_length_for_algorithm (const char *algorithm, gsize algorithm_len)
{
  if (algorithm_len == 6 && strncmp (algorithm, "sha256", 6) == 0)
    return 64;
  if (algorithm_len == 6 && strncmp (algorithm, "sha512", 6) == 0)
    return 128;
  return 0;
}

static gboolean
is_lower_hex (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
      return FALSE;
  return TRUE;
}

gboolean
skopos_digest_validate (const char *digest, GError **error)
{
  if (digest == NULL || *digest == '\0')
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA, "empty digest");

  const char *colon = strchr (digest, ':');
  if (colon == NULL)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "invalid digest '%s': no algorithm", digest);

  gsize hex_len = hex_length_for_algorithm (digest, colon - digest);
  if (hex_len == 0)
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "invalid digest '%s': unsupported algorithm (sha256 and sha512 are)",
                         digest);

  const char *hex = colon + 1;
  if (strlen (hex) != hex_len || !is_lower_hex (hex, hex_len))
    return skopos_throw (error, SKOPOS_ERROR_INVALID_DATA,
                         "invalid digest '%s': expected %zu lowercase hex digits", digest,
                         hex_len);
  return TRUE;
}

const char *
skopos_digest_get_hex (const char *digest)
{
  if (!skopos_digest_validate (digest, NULL))
    return NULL;
  return strchr (digest, ':') + 1;
}

char *
skopos_digest_dup_algorithm (const char *digest)
{
  if (!skopos_digest_validate (digest, NULL))
    return NULL;
  return g_strndup (digest, strchr (digest, ':') - digest);
}

SkoposDigester *
skopos_digester_new (const char *algorithm)
{
  const EVP_MD *md = md_for_algorithm (algorithm);
  g_return_val_if_fail (md != NULL, NULL);

  SkoposDigester *digester = g_new0 (SkoposDigester, 1);
  digester->ctx = EVP_MD_CTX_new ();
  digester->algorithm = g_strdup (algorithm);
  if (digester->ctx == NULL || EVP_DigestInit_ex (digester->ctx, md, NULL) != 1)
    g_error ("OpenSSL could not initialise %s", algorithm);
  return digester;
}

void
skopos_digester_update (SkoposDigester *digester, const void *data, gsize len)
{
  if (len > 0)
    EVP_DigestUpdate (digester->ctx, data, len);
}

char *
skopos_digester_finish (SkoposDigester *digester)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  static const char hexdigits[] = "0123456789abcdef";

  EVP_DigestFinal_ex (digester->ctx, md, &md_len);

  GString *out = g_string_sized_new (strlen (digester->algorithm) + 1 + md_len * 2);
  g_string_append (out, digester->algorithm);
  g_string_append_c (out, ':');
  for (unsigned int i = 0; i < md_len; i++)
    {
      g_string_append_c (out, hexdigits[md[i] >> 4]);
      g_string_append_c (out, hexdigits[md[i] & 0xf]);
    }
  return g_string_free (out, FALSE);
}

void
skopos_digester_free (SkoposDigester *digester)
{
  if (digester == NULL)
    return;
  EVP_MD_CTX_free (digester->ctx);
  g_free (digester->algorithm);
  g_free (digester);
}

char *
skopos_digest_compute (const char *algorithm, const void *data, gsize len)
{
  g_autoptr (SkoposDigester) digester = skopos_digester_new (algorithm);
  if (digester == NULL)
    return NULL;
  skopos_digester_update (digester, data, len);
  return skopos_digester_finish (digester);
}

char *
skopos_digest_compute_bytes (const char *algorithm, GBytes *bytes)
{
  gsize len = 0;
  const void *data = g_bytes_get_data (bytes, &len);
  return skopos_digest_compute (algorithm, data, len);
}
