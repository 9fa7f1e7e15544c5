/* docker-parse.c: the small text formats of the registry protocol.
 *
 *   WWW-Authenticate  RFC 7235 challenges: a scheme, then name=value parameters whose
 *                     values may be quoted strings with backslash escapes; several
 *                     challenges may share one header, separated by commas.
 *   Link              RFC 8288; the registry pages tag lists with rel="next".
 *   Retry-After       delta seconds or an HTTP date.
 *   error bodies      {"errors": [{"code", "message", "detail"}]} of the
 *                     distribution spec, made into one line.
 *
 * Everything here is pure: no I/O, no state.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "docker-plugin.h"

void
docker_challenge_free (DockerChallenge *challenge)
{
  if (challenge == NULL)
    return;
  g_free (challenge->scheme);
  g_hash_table_unref (challenge->params);
  g_free (challenge);
}

static gboolean
is_token_char (char c)
{
  return g_ascii_isalnum (c) || strchr ("!#$%&'*+-.^_`|~", c) != NULL;
}

static void
skip_spaces (const char **p)
{
  while (**p == ' ' || **p == '\t')
    (*p)++;
}

static char *
read_token (const char **p)
{
  const char *start = *p;
  while (**p != '\0' && is_token_char (**p))
    (*p)++;
  return *p > start ? g_strndup (start, *p - start) : NULL;
}

/* A quoted string (with \ escapes) or a token; NULL if neither. */
static char *
read_value (const char **p)
{
  if (**p != '"')
    {
      /* A token, leniently: servers write unquoted URLs too (realm=https://…). */
      const char *start = *p;
      while (**p != '\0' && **p != ',' && **p != ' ' && **p != '\t')
        (*p)++;
      return *p > start ? g_strndup (start, *p - start) : NULL;
    }

  GString *out = g_string_new (NULL);
  (*p)++;
  while (**p != '\0' && **p != '"')
    {
      if (**p == '\\' && (*p)[1] != '\0')
        (*p)++;
      g_string_append_c (out, **p);
      (*p)++;
    }
  if (**p == '"')
    (*p)++;
  return g_string_free (out, FALSE);
}

void
docker_parse_www_authenticate (const char *value, GPtrArray *out)
{
  const char *p = value;
  DockerChallenge *current = NULL;

  while (*p != '\0')
    {
      skip_spaces (&p);
      if (*p == ',')
        {
          p++;
          continue;
        }

      const char *mark = p;
      g_autofree char *token = read_token (&p);
      if (token == NULL)
        {
          /* Not a token: skip one character so malformed input cannot loop. */
          p = mark + 1;
          continue;
        }

      const char *after = p;
      skip_spaces (&after);
      if (*after == '=' && current != NULL)
        {
          p = after + 1;
          skip_spaces (&p);
          char *v = read_value (&p);
          g_hash_table_replace (current->params, g_ascii_strdown (token, -1),
                                v != NULL ? v : g_strdup (""));
          continue;
        }

      /* A new challenge: the scheme. */
      current = g_new0 (DockerChallenge, 1);
      current->scheme = g_ascii_strdown (token, -1);
      current->params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_ptr_array_add (out, current);
    }
}

char *
docker_parse_link_next (const char *value)
{
  if (value == NULL)
    return NULL;

  /* Links are "<target>; param; param, <target>; …". */
  const char *p = value;
  while ((p = strchr (p, '<')) != NULL)
    {
      const char *end = strchr (p, '>');
      if (end == NULL)
        return NULL;
      g_autofree char *target = g_strndup (p + 1, end - p - 1);

      const char *params_end = strchr (end, '<');
      g_autofree char *params = params_end != NULL ? g_strndup (end + 1, params_end - end - 1)
                                                   : g_strdup (end + 1);
      g_auto (GStrv) parts = g_strsplit (params, ";", -1);
      for (guint i = 0; parts[i] != NULL; i++)
        {
          char *part = g_strstrip (parts[i]);
          if (g_ascii_strncasecmp (part, "rel", 3) != 0)
            continue;
          const char *eq = strchr (part, '=');
          if (eq == NULL)
            continue;
          g_autofree char *rel = g_strdup (eq + 1);
          g_strstrip (rel);
          g_strdelimit (rel, "\",", ' ');
          g_strstrip (rel);
          g_auto (GStrv) rels = g_strsplit (rel, " ", -1);
          for (guint j = 0; rels[j] != NULL; j++)
            if (g_ascii_strcasecmp (rels[j], "next") == 0)
              return g_steal_pointer (&target);
        }
      p = end + 1;
    }
  return NULL;
}

gint64
docker_parse_retry_after (const char *value)
{
  if (value == NULL)
    return -1;
  g_autofree char *v = g_strstrip (g_strdup (value));
  if (*v == '\0')
    return -1;

  guint64 seconds = 0;
  if (g_ascii_string_to_unsigned (v, 10, 0, G_MAXINT32, &seconds, NULL))
    return seconds;

  /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  char wday[4], mon[4], zone[4];
  int day, year, hour, min, sec;
  if (sscanf (v, "%3s, %d %3s %d %d:%d:%d %3s", wday, &day, mon, &year, &hour, &min, &sec, zone)
      != 8)
    return -1;
  int month = 0;
  for (month = 0; month < 12; month++)
    if (g_str_equal (mon, months[month]))
      break;
  if (month == 12)
    return -1;

  g_autoptr (GDateTime) when = g_date_time_new_utc (year, month + 1, day, hour, min, sec);
  if (when == NULL)
    return -1;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  GTimeSpan diff = g_date_time_difference (when, now);
  return diff > 0 ? diff / G_TIME_SPAN_SECOND : 0;
}

static const char *
reason_phrase (long status)
{
  switch (status)
    {
    case 400:
      return "bad request";
    case 401:
      return "authentication required";
    case 403:
      return "access denied";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 409:
      return "conflict";
    case 413:
      return "request too large";
    case 416:
      return "requested range not satisfiable";
    case 429:
      return "too many requests";
    case 500:
      return "internal server error";
    case 502:
      return "bad gateway";
    case 503:
      return "service unavailable";
    case 504:
      return "gateway timeout";
    default:
      return "unexpected answer";
    }
}

/* One line of at most @max characters without control characters. */
static void
append_clean (GString *out, const char *text, gsize max)
{
  gsize n = 0;
  for (const char *p = text; *p != '\0' && n < max; p++, n++)
    g_string_append_c (out, g_ascii_iscntrl (*p) ? ' ' : *p);
  if (strlen (text) > max)
    g_string_append (out, "…");
}

char *
docker_parse_error_body (GBytes *body, long status, char **out_code)
{
  if (out_code != NULL)
    *out_code = NULL;

  gsize len = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &len) : NULL;
  g_autoptr (GString) out = g_string_new (NULL);

  if (len > 0)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      if (json_parser_load_from_data (parser, data, len, NULL))
        {
          JsonNode *root = json_parser_get_root (parser);
          JsonObject *obj = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
                                ? json_node_get_object (root)
                                : NULL;
          JsonNode *errors = obj != NULL ? json_object_get_member (obj, "errors") : NULL;
          if (errors != NULL && JSON_NODE_HOLDS_ARRAY (errors))
            {
              JsonArray *array = json_node_get_array (errors);
              for (guint i = 0; i < json_array_get_length (array); i++)
                {
                  JsonNode *e = json_array_get_element (array, i);
                  if (!JSON_NODE_HOLDS_OBJECT (e))
                    continue;
                  JsonObject *eo = json_node_get_object (e);
                  const char *code = json_object_get_string_member_with_default (eo, "code", "");
                  const char *msg = json_object_get_string_member_with_default (eo, "message",
                                                                                "");
                  if (i == 0 && out_code != NULL && *code != '\0')
                    *out_code = g_strdup (code);
                  if (out->len > 0)
                    g_string_append (out, "; ");
                  g_autofree char *lower = g_ascii_strdown (code, -1);
                  g_strdelimit (lower, "_", ' ');
                  append_clean (out, *msg != '\0' ? msg : lower, 300);

                  /* The detail often says which name or digest; keep it short. */
                  JsonNode *detail = json_object_get_member (eo, "detail");
                  if (detail != NULL && JSON_NODE_HOLDS_VALUE (detail)
                      && json_node_get_value_type (detail) == G_TYPE_STRING
                      && *json_node_get_string (detail) != '\0')
                    {
                      g_string_append (out, " (");
                      append_clean (out, json_node_get_string (detail), 200);
                      g_string_append (out, ")");
                    }
                }
            }
        }
    }

  if (out->len == 0)
    g_string_append_printf (out, "%s (HTTP %ld)", reason_phrase (status), status);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Query parameters of the Distribution API that carry nothing secret; any other
 * value (signed CDN redirects, upload _state, tokens) is hidden. */
static const char *const public_query_names[] = {
  "n", "last", "digest", "mount", "from", "service", "scope", NULL,
};

static void
append_redacted_query (GString *out, const char *query)
{
  g_auto (GStrv) params = g_strsplit (query, "&", -1);
  for (guint i = 0; params[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (out, '&');
      const char *eq = strchr (params[i], '=');
      g_autofree char *name = eq ? g_strndup (params[i], eq - params[i]) : g_strdup (params[i]);
      if (eq == NULL || g_strv_contains (public_query_names, name))
        g_string_append (out, params[i]);
      else
        g_string_append_printf (out, "%s=<redacted>", name);
    }
}

char *
docker_url_redact (const char *url)
{
  GString *out = g_string_new (NULL);
  const char *rest = url;

  /* user:password@ in the authority. */
  const char *scheme_end = strstr (url, "://");
  if (scheme_end != NULL)
    {
      const char *host = scheme_end + 3;
      const char *authority_end = host + strcspn (host, "/?#");
      const char *at = memchr (host, '@', authority_end - host);
      if (at != NULL)
        {
          g_string_append_len (out, url, host - url);
          rest = at + 1;
        }
    }

  const char *question = strchr (rest, '?');
  if (question == NULL)
    {
      g_string_append (out, rest);
      return g_string_free (out, FALSE);
    }
  g_string_append_len (out, rest, question + 1 - rest);
  const char *fragment = strchr (question, '#');
  g_autofree char *query = fragment ? g_strndup (question + 1, fragment - question - 1)
                                    : g_strdup (question + 1);
  append_redacted_query (out, query);
  return g_string_free (out, FALSE);
}

char *
docker_url_origin (const char *url)
{
  const char *scheme_end = strstr (url, "://");
  if (scheme_end == NULL)
    return NULL;
  const char *host = scheme_end + 3;
  const char *end = host + strcspn (host, "/?#");
  const char *at = memchr (host, '@', end - host);
  if (at != NULL)
    host = at + 1;
  g_autofree char *scheme = g_ascii_strdown (url, scheme_end - url);
  g_autofree char *hostport = g_ascii_strdown (host, end - host);

  /* The default port is the same origin as no port. */
  if (g_str_equal (scheme, "https") && g_str_has_suffix (hostport, ":443"))
    hostport[strlen (hostport) - 4] = '\0';
  else if (g_str_equal (scheme, "http") && g_str_has_suffix (hostport, ":80"))
    hostport[strlen (hostport) - 3] = '\0';
  return g_strdup_printf ("%s://%s", scheme, hostport);
}

char *
docker_url_resolve (const char *base, const char *location)
{
  if (strstr (location, "://") != NULL)
    return g_strdup (location);

  g_autofree char *origin = docker_url_origin (base);
  if (origin == NULL)
    return g_strdup (location);

  if (g_str_has_prefix (location, "//"))
    {
      const char *colon = strchr (origin, ':');
      return g_strdup_printf ("%.*s:%s", (int) (colon - origin), origin, location);
    }
  if (location[0] == '/')
    return g_strconcat (origin, location, NULL);

  /* Relative to the base's folder. */
  const char *path = strstr (base, "://") + 3;
  path += strcspn (path, "/");
  g_autofree char *dir = g_strndup (path, strcspn (path, "?#"));
  char *slash = strrchr (dir, '/');
  if (slash != NULL)
    slash[1] = '\0';
  else
    {
      g_free (dir);
      dir = g_strdup ("/");
    }
  return g_strconcat (origin, dir, location, NULL);
}
