/* test-policy.c: policy.json loading, scope lookup and requirement evaluation.
 *
 * The checks go through _skopos_policy_check_identity(), which takes the transport name
 * and policy identity directly, so no transport module is needed.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"

#include <check.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <skopos/skopos-transport-plugin.h>
#include <string.h>

#include <skopos/skopos-error.h>
#include <skopos/skopos-policy.h>

#include "skopos-policy-private.h"

#define ACCEPT "{\"type\":\"insecureAcceptAnything\"}"
#define REJECT "{\"type\":\"reject\"}"
#define SIGNED_BY "{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k.gpg\"}"
#define SHA256_A "sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa"
#define ORIGIN "test.json"

static SkoposPolicy *
load (const char *json, GError **error)
{
  return skopos_policy_new_from_data (json, strlen (json), ORIGIN, error);
}

static SkoposPolicy *
load_ok (const char *json)
{
  g_autoptr (GError) error = NULL;
  SkoposPolicy *policy = load (json, &error);

  ck_assert_msg (policy != NULL, "policy should load: %s\n%s", error ? error->message : "", json);
  return policy;
}

/* Outcomes: accepted, rejected by "reject", or refused as not supported (signedBy). */
typedef enum
{
  OUTCOME_ACCEPT,
  OUTCOME_REJECT,
  OUTCOME_UNSUPPORTED,
} Outcome;

static Outcome
check (SkoposPolicy *policy, const char *transport, const char *identity)
{
  g_autoptr (GError) error = NULL;

  if (_skopos_policy_check_identity (policy, transport, identity, &error))
    {
      ck_assert_ptr_null (error);
      return OUTCOME_ACCEPT;
    }
  ck_assert_ptr_nonnull (error);
  if (g_error_matches (error, SKOPOS_ERROR, SKOPOS_ERROR_POLICY_REJECTED))
    return OUTCOME_REJECT;
  ck_assert_msg (g_error_matches (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_SUPPORTED),
                 "unexpected error: %s", error->message);
  return OUTCOME_UNSUPPORTED;
}

/* ---- Requirement types ---------------------------------------------------------- */

START_TEST (test_policy_accept)
{
  g_autoptr (SkoposPolicy) policy = load_ok ("{\"default\":[" ACCEPT "]}");
  g_autoptr (GError) error = NULL;

  ck_assert (_skopos_policy_check_identity (policy, "docker", "docker.io/library/busybox:latest",
                                            &error));
  ck_assert_ptr_null (error);
  ck_assert (_skopos_policy_check_identity (policy, "oci", "/srv/layout", &error));
  ck_assert (_skopos_policy_check_identity (policy, "docker-archive", "", &error));
  ck_assert (_skopos_policy_check_identity (policy, "docker-archive", NULL, &error));
}
END_TEST

START_TEST (test_policy_reject)
{
  g_autoptr (SkoposPolicy) policy = load_ok ("{\"default\":[" REJECT "]}");
  g_autoptr (GError) error = NULL;

  ck_assert (!_skopos_policy_check_identity (policy, "docker", "docker.io/library/busybox:latest",
                                             &error));
  ck_assert (g_error_matches (error, SKOPOS_ERROR, SKOPOS_ERROR_POLICY_REJECTED));
  ck_assert_str_eq (error->message, "Source image rejected: Running image "
                                    "docker:docker.io/library/busybox:latest is rejected by "
                                    "policy.");

  /* A NULL error location is allowed. */
  ck_assert (!_skopos_policy_check_identity (policy, "dir", "/x", NULL));
}
END_TEST

static const char *const unsupported_requirements[] = {
  SIGNED_BY,
  "{\"type\":\"signedBy\",\"keyType\":\"signedByGPGKeys\",\"keyPaths\":[\"/a\",\"/b\"],"
  "\"signedIdentity\":{\"type\":\"matchRepository\"}}",
  "{\"type\":\"sigstoreSigned\",\"keyPath\":\"/cosign.pub\"}",
  "{\"type\":\"sigstoreSigned\",\"fulcio\":{\"caPath\":\"/ca\",\"oidcIssuer\":\"https://x\","
  "\"subjectEmail\":\"a@b\"},\"rekorPublicKeyPath\":\"/rekor.pub\"}",
  "{\"type\":\"signedBaseLayer\",\"baseLayerIdentity\":{\"type\":\"exactRepository\","
  "\"dockerRepository\":\"registry.example.com/base\"}}",
};

/* A requirement skopos cannot check must fail the check, never pass it. */
START_TEST (test_policy_unsupported_requirement)
{
  const char *requirement = unsupported_requirements[_i];
  g_autofree char *json = g_strdup_printf ("{\"default\":[" ACCEPT ",%s]}", requirement);
  g_autoptr (SkoposPolicy) policy = load_ok (json);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *expected = NULL;
  JsonObject *object;

  ck_assert (!_skopos_policy_check_identity (policy, "docker", "quay.io/a/b:1", &error));
  ck_assert (g_error_matches (error, SKOPOS_ERROR, SKOPOS_ERROR_NOT_SUPPORTED));

  ck_assert (json_parser_load_from_data (parser, requirement, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  expected = g_strdup_printf ("policy requirement '%s' is not supported yet",
                              json_object_get_string_member (object, "type"));
  ck_assert_msg (strstr (error->message, expected) != NULL, "'%s' lacks '%s'", error->message,
                 expected);
}
END_TEST

typedef struct
{
  const char *requirements;
  Outcome outcome;
} OrderCase;

/* Requirements apply in order and the first refusal decides. */
static const OrderCase order_cases[] = {
  { ACCEPT, OUTCOME_ACCEPT },
  { ACCEPT "," ACCEPT, OUTCOME_ACCEPT },
  { ACCEPT "," REJECT, OUTCOME_REJECT },
  { REJECT "," ACCEPT, OUTCOME_REJECT },
  { REJECT "," SIGNED_BY, OUTCOME_REJECT },
  { SIGNED_BY "," REJECT, OUTCOME_UNSUPPORTED },
  { ACCEPT "," SIGNED_BY, OUTCOME_UNSUPPORTED },
  { SIGNED_BY "," ACCEPT, OUTCOME_UNSUPPORTED },
};

START_TEST (test_policy_requirement_order)
{
  const OrderCase *c = &order_cases[_i];
  g_autofree char *json = g_strdup_printf ("{\"default\":[%s]}", c->requirements);
  g_autoptr (SkoposPolicy) policy = load_ok (json);

  ck_assert_int_eq (check (policy, "dir", "/a/b"), c->outcome);
}
END_TEST

START_TEST (test_policy_insecure_accept_anything)
{
  g_autoptr (SkoposPolicy) policy = skopos_policy_new_insecure_accept_anything ();

  ck_assert_int_eq (check (policy, "docker", "docker.io/library/busybox:latest"), OUTCOME_ACCEPT);
  ck_assert_int_eq (check (policy, "oci", "/x"), OUTCOME_ACCEPT);
  ck_assert_int_eq (check (policy, "no-such-transport", "whatever"), OUTCOME_ACCEPT);
  skopos_policy_free (NULL);
}
END_TEST

/* ---- Scope lookup --------------------------------------------------------------- */

/* Each scope gets a distinct outcome from its neighbours so the test can see which one
 * was chosen: A accepts, R rejects, S is signedBy (not supported). */
static const char precedence_policy[] =
  "{\"default\":[" SIGNED_BY "],"
  " \"transports\":{"
  "  \"docker\":{"
  "   \"docker.io/library/busybox:latest\":[" ACCEPT "],"
  "   \"docker.io/library/busybox\":[" REJECT "],"
  "   \"docker.io/library\":[" ACCEPT "],"
  "   \"docker.io\":[" SIGNED_BY "],"
  "   \"quay.io/ns\":[" REJECT "],"
  "   \"quay.io\":[" ACCEPT "],"
  "   \"registry.example.com:5000\":[" REJECT "],"
  "   \"*.example.com\":[" ACCEPT "],"
  "   \"*.com\":[" SIGNED_BY "],"
  "   \"localhost:5000/a@" SHA256_A "\":[" REJECT "],"
  "   \"\":[" REJECT "]},"
  "  \"docker-daemon\":{"
  "   \"docker.io/library\":[" REJECT "]},"
  "  \"oci\":{"
  "   \"/srv/images/app\":[" REJECT "],"
  "   \"/srv/images\":[" ACCEPT "],"
  "   \"/srv\":[" SIGNED_BY "],"
  "   \"\":[" REJECT "]},"
  "  \"dir\":{"
  "   \"/tmp/x\":[" REJECT "]},"
  "  \"docker-archive\":{"
  "   \"\":[" REJECT "]},"
  "  \"containers-storage\":{"
  "   \"[overlay@/var/lib/containers/storage]quay.io/ns/img\":[" REJECT "],"
  "   \"[overlay@/var/lib/containers/storage]\":[" ACCEPT "],"
  "   \"[/other/root]\":[" REJECT "]}"
  " }}";

typedef struct
{
  const char *transport;
  const char *identity;
  Outcome outcome;
} ScopeCase;

static const ScopeCase scope_cases[] = {
  /* The exact identity wins over everything. */
  { "docker", "docker.io/library/busybox:latest", OUTCOME_ACCEPT },
  /* Then the repository, whatever the tag or digest. */
  { "docker", "docker.io/library/busybox:1.36", OUTCOME_REJECT },
  { "docker", "docker.io/library/busybox@" SHA256_A, OUTCOME_REJECT },
  { "docker", "docker.io/library/busybox", OUTCOME_REJECT },
  /* Then the namespace, then the registry. */
  { "docker", "docker.io/library/alpine:3", OUTCOME_ACCEPT },
  { "docker", "docker.io/someone/alpine:3", OUTCOME_UNSUPPORTED },
  { "docker", "quay.io/ns/img:1", OUTCOME_REJECT },
  { "docker", "quay.io/ns/sub/img:1", OUTCOME_REJECT },
  { "docker", "quay.io/ns2/img:1", OUTCOME_ACCEPT },
  /* A scope is a whole path component, not a string prefix. */
  { "docker", "quay.io/nsx/img:1", OUTCOME_ACCEPT },
  /* Registry with a port, then wildcards over the host without the port. */
  { "docker", "registry.example.com:5000/a/b:1", OUTCOME_REJECT },
  { "docker", "registry.example.com/a/b:1", OUTCOME_ACCEPT },
  { "docker", "registry.example.com:6000/a:1", OUTCOME_ACCEPT },
  { "docker", "a.b.example.com/x:1", OUTCOME_ACCEPT },
  { "docker", "other.com/x:1", OUTCOME_UNSUPPORTED },
  /* "*.example.com" does not match "example.com" itself. */
  { "docker", "example.com/x:1", OUTCOME_UNSUPPORTED },
  /* Digest identities match exactly. */
  { "docker", "localhost:5000/a@" SHA256_A, OUTCOME_REJECT },
  /* Nothing more specific: the transport's "" scope. */
  { "docker", "localhost:5000/a:1", OUTCOME_REJECT },
  { "docker", "localhost/a:1", OUTCOME_REJECT },
  /* docker-daemon has its own scopes, with no "" scope: then "default". */
  { "docker-daemon", "docker.io/library/busybox:latest", OUTCOME_REJECT },
  { "docker-daemon", "quay.io/a/b:1", OUTCOME_UNSUPPORTED },
  { "docker-daemon", "", OUTCOME_UNSUPPORTED },
  /* Path-based transports: the path, then its parent folders, never "/". */
  { "oci", "/srv/images/app", OUTCOME_REJECT },
  { "oci", "/srv/images/app/sub", OUTCOME_REJECT },
  { "oci", "/srv/images/other", OUTCOME_ACCEPT },
  { "oci", "/srv/images", OUTCOME_ACCEPT },
  { "oci", "/srv/imagesx", OUTCOME_UNSUPPORTED },
  { "oci", "/srv", OUTCOME_UNSUPPORTED },
  { "oci", "/elsewhere/x", OUTCOME_REJECT },
  { "dir", "/tmp/x/y", OUTCOME_REJECT },
  { "dir", "/tmp/y", OUTCOME_UNSUPPORTED },
  /* Scopes belong to their transport. */
  { "dir", "/srv/images/app", OUTCOME_UNSUPPORTED },
  { "oci-archive", "/srv/images/app", OUTCOME_UNSUPPORTED },
  /* A transport not in "transports" gets "default". */
  { "sif", "/srv/images/app", OUTCOME_UNSUPPORTED },
  { "docker-archive", "", OUTCOME_REJECT },
  /* containers-storage: the image, its repository and namespaces, then the store. */
  { "containers-storage",
    "[overlay@/var/lib/containers/storage]quay.io/ns/img:1@"
    "7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa",
    OUTCOME_REJECT },
  { "containers-storage", "[overlay@/var/lib/containers/storage]quay.io/ns/other:1",
    OUTCOME_ACCEPT },
  { "containers-storage", "[vfs@/other/root]quay.io/ns/img:1", OUTCOME_REJECT },
  { "containers-storage", "[vfs@/third/root]quay.io/ns/img:1", OUTCOME_UNSUPPORTED },
};

START_TEST (test_policy_scope_precedence)
{
  const ScopeCase *c = &scope_cases[_i];
  g_autoptr (SkoposPolicy) policy = load_ok (precedence_policy);
  Outcome outcome = check (policy, c->transport, c->identity);

  ck_assert_msg (outcome == c->outcome, "%s:%s: outcome %d, expected %d", c->transport,
                 c->identity, outcome, c->outcome);
}
END_TEST

typedef struct
{
  const char *transport;
  const char *identity;
  const char *namespaces; /* joined with " " */
} NamespaceCase;

static const NamespaceCase namespace_cases[] = {
  { "docker", "docker.io/library/busybox:latest",
    "docker.io/library/busybox docker.io/library docker.io *.io" },
  { "docker", "docker.io/library/busybox", "docker.io/library docker.io *.io" },
  { "docker", "a.b.example.com:5000/ns/img@" SHA256_A,
    "a.b.example.com:5000/ns/img a.b.example.com:5000/ns a.b.example.com:5000 "
    "*.b.example.com *.example.com *.com" },
  { "docker", "localhost:5000/img:1", "localhost:5000/img localhost:5000" },
  { "docker", "", "" },
  { "docker-daemon", "quay.io/a:b", "quay.io/a quay.io *.io" },
  { "atomic", "quay.io/a:b", "quay.io/a quay.io *.io" },
  { "oci", "/srv/images/app", "/srv/images /srv" },
  { "dir", "/a", "" },
  { "oci-archive", "/a/b.tar", "/a" },
  { "docker-archive", "", "" },
  { "docker-archive", "/a/b.tar", "" },
  { "unknown", "docker.io/library/busybox:latest", "" },
  { "containers-storage",
    "[overlay@/var/lib/c]quay.io/ns/img:1@" SHA256_A
    "@7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa",
    "[overlay@/var/lib/c]quay.io/ns/img:1@" SHA256_A " [overlay@/var/lib/c]quay.io/ns/img:1 "
    "[overlay@/var/lib/c]quay.io/ns/img [overlay@/var/lib/c]quay.io/ns [overlay@/var/lib/c]quay.io "
    "[overlay@/var/lib/c] [/var/lib/c]" },
  { "containers-storage", "[/var/lib/c]localhost/a:1",
    "[/var/lib/c]localhost/a [/var/lib/c]localhost [/var/lib/c]" },
  { "containers-storage", "[overlay@/r]", "[/r]" },
};

START_TEST (test_policy_namespaces)
{
  const NamespaceCase *c = &namespace_cases[_i];
  g_auto (GStrv) namespaces = _skopos_policy_dup_namespaces (c->transport, c->identity);
  g_autofree char *joined = g_strjoinv (" ", namespaces);

  ck_assert_str_eq (joined, c->namespaces);
}
END_TEST

/* ---- Malformed files ------------------------------------------------------------ */

typedef struct
{
  const char *json;
  const char *message;
} MalformedCase;

static const MalformedCase malformed_cases[] = {
  /* Not JSON, or not one object. */
  { "", "a JSON object is expected" },
  { "{", "" },
  { "{\"default\":[" ACCEPT "]", "" },
  { "null", "a JSON object is expected" },
  { "[]", "a JSON object is expected" },
  { "{\"default\":[" ACCEPT "]} x", "" },
  { "{\"default\":[" ACCEPT "]}{}", "unexpected data after the JSON object" },
  /* Top level. */
  { "{}", "the \"default\" policy is missing" },
  { "{\"transports\":{}}", "the \"default\" policy is missing" },
  { "{\"default\":[" ACCEPT "],\"extra\":1}", "unknown key 'extra'" },
  { "{\"Default\":[" ACCEPT "]}", "unknown key 'Default'" },
  { "{\"default\":[" ACCEPT "],\"default\":[" REJECT "]}", "duplicate key 'default'" },
  { "{\"default\":" ACCEPT "}", "\"default\": a list of requirements is expected" },
  { "{\"default\":[]}", "\"default\": the list of requirements must not be empty" },
  { "{\"default\":null}", "a list of requirements is expected" },
  /* Requirements. */
  { "{\"default\":[\"insecureAcceptAnything\"]}",
    "requirement 1: a requirement must be an object" },
  { "{\"default\":[{}]}", "a string 'type' is required" },
  { "{\"default\":[{\"type\":1}]}", "a string 'type' is required" },
  { "{\"default\":[" ACCEPT ",{\"type\":\"acceptEverything\"}]}",
    "requirement 2: unknown policy requirement type 'acceptEverything'" },
  { "{\"default\":[{\"type\":\"insecureAcceptAnything\",\"x\":1}]}", "unknown key 'x'" },
  { "{\"default\":[{\"type\":\"reject\",\"type\":\"reject\"}]}", "duplicate key 'type'" },
  { "{\"default\":[{\"type\":\"signedBy\",\"keyPath\":\"/k\"}]}", "invalid keyType ''" },
  { "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"PGP\",\"keyPath\":\"/k\"}]}",
    "invalid keyType 'PGP'" },
  { "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\"}]}",
    "exactly one of keyPath, keyPaths and keyData" },
  { "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\","
    "\"keyData\":\"eA==\"}]}",
    "exactly one of keyPath, keyPaths and keyData" },
  { "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPaths\":\"/k\"}]}",
    "'keyPaths' must be an array of strings" },
  { "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPaths\":[1]}]}",
    "'keyPaths' must be an array of strings" },
  { "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\","
    "\"keyFile\":\"/k\"}]}",
    "unknown key 'keyFile'" },
  { "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\","
    "\"signedIdentity\":{\"type\":\"matchEverything\"}}]}",
    "unknown policy reference match type 'matchEverything'" },
  { "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\","
    "\"signedIdentity\":{\"type\":\"exactReference\"}}]}",
    "'dockerReference' is missing" },
  { "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\","
    "\"signedIdentity\":{\"type\":\"exactReference\",\"dockerReference\":\"quay.io/a\"}}]}",
    "has neither a tag nor a digest" },
  { "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\","
    "\"signedIdentity\":{\"type\":\"exactRepository\",\"dockerRepository\":\"Quay.io/A\"}}]}",
    "repository name must be lowercase" },
  { "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\","
    "\"signedIdentity\":{\"type\":\"matchExact\",\"prefix\":\"x\"}}]}",
    "unknown key 'prefix'" },
  { "{\"default\":[{\"type\":\"sigstoreSigned\"}]}",
    "exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio and pki" },
  { "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPaths\":[]}]}",
    "'keyPaths' contains no entries" },
  { "{\"default\":[{\"type\":\"sigstoreSigned\",\"fulcio\":{}}]}", "fulcio needs one of" },
  { "{\"default\":[{\"type\":\"sigstoreSigned\",\"pki\":{},\"rekorPublicKeyPath\":\"/r\"}]}",
    "rekor public keys cannot be used with pki" },
  { "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\",\"rekorPublicKeyPath\":\"/r\","
    "\"rekorPublicKeyData\":\"eA==\"}]}",
    "at most one of rekorPublicKeyPath" },
  { "{\"default\":[{\"type\":\"signedBaseLayer\"}]}", "'baseLayerIdentity' is missing" },
  /* Transports and scopes. */
  { "{\"default\":[" ACCEPT "],\"transports\":[]}", "'transports' must be an object" },
  { "{\"default\":[" ACCEPT "],\"transports\":{\"docker\":[]}}",
    "transport \"docker\": an object of scopes is expected" },
  { "{\"default\":[" ACCEPT "],\"transports\":{\"docker\":{\"quay.io\":[]}}}",
    "transport \"docker\": scope \"quay.io\": the list of requirements must not be empty" },
  { "{\"default\":[" ACCEPT "],\"transports\":{\"docker\":{\"quay.io\":[{\"type\":\"x\"}]}}}",
    "transport \"docker\": scope \"quay.io\": requirement 1: unknown policy requirement type 'x'" },
  { "{\"default\":[" ACCEPT "],\"transports\":{\"docker\":{\"a\":[" ACCEPT "],"
    "\"a\":[" REJECT "]}}}",
    "duplicate key 'a'" },
  { "{\"default\":[" ACCEPT "],\"transports\":{\"docker\":{},\"docker\":{}}}",
    "duplicate key 'docker'" },
  { "{\"default\":[" ACCEPT "],\"transports\":{\"dir\":{\"relative/path\":[" ACCEPT "]}}}",
    "scope 'relative/path' must be an absolute path" },
  { "{\"default\":[" ACCEPT "],\"transports\":{\"oci\":{\"/\":[" ACCEPT "]}}}",
    "scope '/' is not allowed" },
  { "{\"default\":[" ACCEPT "],\"transports\":{\"oci\":{\"/a/../b\":[" ACCEPT "]}}}",
    "scope '/a/../b' must be an absolute path in canonical form" },
  { "{\"default\":[" ACCEPT "],\"transports\":{\"oci\":{\"/a/\":[" ACCEPT "]}}}",
    "scope '/a/' must be an absolute path in canonical form" },
  { "{\"default\":[" ACCEPT "],\"transports\":{\"oci-archive\":{\"/a//b\":[" ACCEPT "]}}}",
    "canonical form" },
  { "{\"default\":[" ACCEPT "],\"transports\":{\"docker-archive\":{\"/a.tar\":[" ACCEPT "]}}}",
    "docker-archive does not support any scope but the default" },
  { "{\"default\":[" ACCEPT "],\"transports\":{\"docker-daemon\":{\"" SHA256_A "\":[" ACCEPT
    "]}}}",
    "an image ID cannot be used as a namespace" },
  { "{\"default\":[" ACCEPT "],\"transports\":{\"containers-storage\":{\"quay.io/a\":[" ACCEPT
    "]}}}",
    "must start with [driver@/graph/root]" },
  { "{\"default\":[" ACCEPT "],\"transports\":{\"containers-storage\":{\"[overlay@rel]\":["
    ACCEPT "]}}}",
    "must start with [driver@/graph/root]" },
};

START_TEST (test_policy_malformed)
{
  const MalformedCase *c = &malformed_cases[_i];
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposPolicy) policy = load (c->json, &error);

  ck_assert_msg (policy == NULL, "should be refused: %s", c->json);
  ck_assert_msg (g_error_matches (error, SKOPOS_ERROR, SKOPOS_ERROR_INVALID_DATA),
                 "wrong error for %s", c->json);
  ck_assert_msg (g_str_has_prefix (error->message, "invalid policy in '" ORIGIN "': "),
                 "message '%s' does not name the file", error->message);
  ck_assert_msg (strstr (error->message, c->message) != NULL, "message '%s' lacks '%s'",
                 error->message, c->message);
}
END_TEST

/* Forms the containers tools accept must load too. */
static const char *const wellformed_cases[] = {
  "{\"default\":[" ACCEPT "]}",
  "{\"default\":[" ACCEPT "],\"transports\":{}}",
  "{\"default\":[" REJECT "],\"transports\":{\"docker\":{}}}",
  /* The policy Debian's containers packages install. */
  "{\n  \"default\": [\n    {\n      \"type\": \"insecureAcceptAnything\"\n    }\n  ],\n"
  "  \"transports\": {\n    \"docker-daemon\": {\n      \"\": [\n        {\n"
  "          \"type\": \"insecureAcceptAnything\"\n        }\n      ]\n    }\n  }\n}\n",
  /* Unknown transports take any scope. */
  "{\"default\":[" ACCEPT "],\"transports\":{\"future\":{\"anything at all\":[" REJECT "]}}}",
  "{\"default\":[" ACCEPT "],\"transports\":{\"docker\":{\"*.example.com\":[" REJECT "],"
  "\"docker.io/library/busybox@" SHA256_A "\":[" ACCEPT "]}}}",
  "{\"default\":[" ACCEPT "],\"transports\":{\"containers-storage\":{"
  "\"[overlay@/var/lib/containers/storage]\":[" ACCEPT "],\"[/var/lib/x]docker.io/a\":[" ACCEPT
  "]}}}",
  /* Every signature requirement in its documented forms. */
  "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyData\":\"eA==\","
  "\"signedIdentity\":{\"type\":\"matchRepoDigestOrExact\"}}]}",
  "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"X509Certificates\",\"keyPath\":\"/k\","
  "\"signedIdentity\":{\"type\":\"exactReference\",\"dockerReference\":\"quay.io/a:1\"}}]}",
  "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"signedByX509CAs\",\"keyPath\":\"/k\","
  "\"signedIdentity\":{\"type\":\"remapIdentity\",\"prefix\":\"example.com\","
  "\"signedPrefix\":\"mirror.example.com\"}}]}",
  "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyDatas\":[\"eA==\"],"
  "\"signedIdentity\":{\"type\":\"matchExact\"}}]}",
  "{\"default\":[{\"type\":\"sigstoreSigned\",\"pki\":{\"caRootsPath\":\"/r\"}}]}",
  "{\"default\":[{\"type\":\"sigstoreSigned\",\"fulcio\":{},\"rekorPublicKeyDatas\":[\"eA==\"]}]}",
  "{\"default\":[{\"type\":\"signedBaseLayer\","
  "\"baseLayerIdentity\":{\"type\":\"matchRepository\"}}]}",
};

START_TEST (test_policy_wellformed)
{
  g_autoptr (SkoposPolicy) policy = load_ok (wellformed_cases[_i]);

  ck_assert_ptr_nonnull (policy);
}
END_TEST

/* ---- Files ---------------------------------------------------------------------- */

static char *
make_temp_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("skopos-policy-XXXXXX", &error);

  ck_assert_msg (dir != NULL, "%s", error ? error->message : "");
  return dir;
}

static void
write_file (const char *path, const char *contents)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  ck_assert_int_eq (g_mkdir_with_parents (dir, 0700), 0);
  ck_assert_msg (g_file_set_contents (path, contents, -1, &error), "%s",
                 error ? error->message : "");
}

START_TEST (test_policy_load_file)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *good = g_build_filename (dir, "good.json", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.json", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.json", NULL);
  g_autofree char *expected = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SkoposPolicy) policy = NULL;

  write_file (good, "{\"default\":[" REJECT "]}");
  write_file (bad, "{\"default\":[" REJECT "],\"bogus\":true}");

  policy = skopos_policy_load (good, &error);
  ck_assert_msg (policy != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (check (policy, "dir", "/x"), OUTCOME_REJECT);

  ck_assert_ptr_null (skopos_policy_load (bad, &error));
  expected = g_strdup_printf ("invalid policy in '%s': unknown key 'bogus'", bad);
  ck_assert_str_eq (error->message, expected);
  g_clear_error (&error);

  ck_assert_ptr_null (skopos_policy_load (missing, &error));
  ck_assert_ptr_nonnull (error);
  ck_assert_ptr_nonnull (strstr (error->message, missing));

  g_unlink (good);
  g_unlink (bad);
  g_rmdir (dir);
}
END_TEST

START_TEST (test_policy_default_path)
{
  g_autofree char *home = make_temp_dir ();
  g_autofree char *user_dir = g_build_filename (home, ".config", "containers", NULL);
  g_autofree char *user_path = g_build_filename (user_dir, "policy.json", NULL);
  g_autofree char *path = NULL;
  g_autoptr (SkoposPolicy) policy = NULL;
  g_autoptr (GError) error = NULL;

  /* Check runs each test in its own process, so changing $HOME stays here. */
  g_setenv ("HOME", home, TRUE);

  path = skopos_policy_default_path ();
  ck_assert_str_eq (path, "/etc/containers/policy.json");
  g_clear_pointer (&path, g_free);

  write_file (user_path, "{\"default\":[" REJECT "]}");
  path = skopos_policy_default_path ();
  ck_assert_str_eq (path, user_path);

  /* Without a path, the user's file is the one read. */
  policy = skopos_policy_load (NULL, &error);
  ck_assert_msg (policy != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (check (policy, "docker", "docker.io/library/busybox:latest"), OUTCOME_REJECT);

  ck_assert (skopos_rm_rf (home, NULL));
}
END_TEST

static Suite *
policy_suite (void)
{
  Suite *s = suite_create ("Policy");
  TCase *tc;

  tc = tcase_create ("requirements");
  tcase_add_test (tc, test_policy_accept);
  tcase_add_test (tc, test_policy_reject);
  tcase_add_loop_test (tc, test_policy_unsupported_requirement, 0,
                       G_N_ELEMENTS (unsupported_requirements));
  tcase_add_loop_test (tc, test_policy_requirement_order, 0, G_N_ELEMENTS (order_cases));
  tcase_add_test (tc, test_policy_insecure_accept_anything);
  suite_add_tcase (s, tc);

  tc = tcase_create ("scopes");
  tcase_add_loop_test (tc, test_policy_scope_precedence, 0, G_N_ELEMENTS (scope_cases));
  tcase_add_loop_test (tc, test_policy_namespaces, 0, G_N_ELEMENTS (namespace_cases));
  suite_add_tcase (s, tc);

  tc = tcase_create ("format");
  tcase_add_loop_test (tc, test_policy_malformed, 0, G_N_ELEMENTS (malformed_cases));
  tcase_add_loop_test (tc, test_policy_wellformed, 0, G_N_ELEMENTS (wellformed_cases));
  suite_add_tcase (s, tc);

  tc = tcase_create ("files");
  tcase_add_test (tc, test_policy_load_file);
  tcase_add_test (tc, test_policy_default_path);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (policy_suite ());
  int failed;

  srunner_run_all (runner, CK_ENV);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
