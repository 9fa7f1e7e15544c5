#!/bin/bash
# registry.sh: the docker transport against Debian's real registry (distribution 2.8),
# started here on 127.0.0.1 in four set-ups, and against small misbehaving servers for
# the faults a real registry does not make on demand.
#
#   plain    HTTP, no auth: push and pull of single images and multi-platform lists
#            both ways against skopeo (same digests), list-tags, chunked uploads,
#            a cross-repository mount instead of an upload, delete, missing images
#            (exit 2), registries.conf (blocked, insecure old and new syntax, mirrors
#            in another namespace, rewriting, drop-ins, malformed files)
#   tls      TLS with a CA and certificates made here, client certificates required:
#            --cert-dir, per-host certs.d, refusals without them
#   basic    htpasswd: --creds (a password with ':'), wrong password, login/logout
#            and the auth files, namespaced keys, URL keys, credential helpers,
#            --debug without secrets
#   token    the registry's token mode with JWTs from tests/integration/registry/
#            token-server.py: scopes, anonymous pulls, refresh (identity) tokens,
#            --registry-token, --debug without tokens
#   faults   tests/integration/registry/fault-server.py in front of the plain
#            registry: 429 with Retry-After, a connection dropped mid-blob (a clear
#            error; success with --retry-times), Link pagination of 120 tags, a
#            redirect to another host that must not receive credentials
#
# Every server listens on 127.0.0.1, is stopped on exit by its PID, and stops by
# itself after 15 minutes anyway. HOME, XDG_RUNTIME_DIR, REGISTRY_AUTH_FILE and
# CONTAINERS_REGISTRIES_CONF point into the test's folder.
source "$(dirname "$0")/integ-lib.sh"
need skopeo python3 openssl htpasswd
REGISTRY_BIN=/usr/bin/docker-registry
[ -x "$REGISTRY_BIN" ] || fail "this test needs $REGISTRY_BIN (Debian package docker-registry)"
HERE=$SKOPOS_SOURCE_DIR/tests/integration/registry

export XDG_RUNTIME_DIR=$TMP/run
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
export REGISTRY_AUTH_FILE=$TMP/auth.json
export CONTAINERS_REGISTRIES_CONF=$TMP/registries.conf
: > "$CONTAINERS_REGISTRIES_CONF"
unset DOCKER_CONFIG XDG_CONFIG_HOME SKOPOS_DEBUG_HTTP SKOPOS_DOCKER_UPLOAD_CHUNK_SIZE || true

SERVER_PIDS=()
_registry_cleanup ()
{
  local rc=$?
  local pid
  for pid in "${SERVER_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${SERVER_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
  exit "$rc"
}
trap _registry_cleanup EXIT

free_port ()
{
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# http URL [CERT KEY]: one GET with Python (any HTTP status counts as an answer);
# prints the body. TLS is not verified: this only checks that a server is up.
http ()
{
  python3 - "$@" <<'EOF'
import ssl, sys, urllib.error, urllib.request
url = sys.argv[1]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
if len(sys.argv) > 3:
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
try:
    body = urllib.request.urlopen(url, context=ctx, timeout=5).read()
except urllib.error.HTTPError as e:
    body = e.read()
except Exception:
    sys.exit(1)
sys.stdout.write(body.decode(errors="replace"))
EOF
}

# wait_for URL [CERT KEY]: until the server answers.
wait_for ()
{
  local _
  for _ in $(seq 1 100); do
    if http "$@" > /dev/null; then
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$TMP"/*/log "$TMP"/*.out 2>/dev/null | sed 's/^/  /' >&2 || true
  fail "nothing answers at $1"
}

# start_registry NAME PORT [EXTRA-YAML-FILE]: a registry storing in $TMP/NAME.
start_registry ()
{
  local name=$1 port=$2 extra=${3:-}
  mkdir -p "$TMP/$name"
  {
    printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n'
    printf 'storage:\n  filesystem:\n    rootdirectory: %s\n' "$TMP/$name/data"
    printf '  delete:\n    enabled: true\n'
    printf 'http:\n  addr: 127.0.0.1:%s\n  secret: skopos-test-secret\n' "$port"
    if [ -n "$extra" ]; then cat "$extra"; fi
  } > "$TMP/$name/config.yml"
  # The registry reads REGISTRY_* variables as configuration (REGISTRY_AUTH_FILE would
  # become auth.file): it gets none of ours.
  env -u REGISTRY_AUTH_FILE timeout 900 "$REGISTRY_BIN" serve "$TMP/$name/config.yml" \
    > "$TMP/$name/log" 2>&1 &
  SERVER_PIDS+=($!)
}

# run_fails DESCRIPTION EXPECTED-RC CMD...: CMD must fail with that exit status;
# its stderr is in $TMP/last.err.
run_fails ()
{
  local what=$1 want=$2
  shift 2
  local rc=0
  "$@" > "$TMP/last.out" 2> "$TMP/last.err" || rc=$?
  if [ "$rc" != "$want" ]; then
    echo "command: $*" >&2
    sed 's/^/  stderr: /' "$TMP/last.err" >&2
    fail "$what: exit status $rc, expected $want"
  fi
}

# err_has TEXT WHAT: the last failure's message mentions TEXT.
err_has ()
{
  grep -qi -- "$1" "$TMP/last.err" || {
    sed 's/^/  stderr: /' "$TMP/last.err" >&2
    fail "$2: the error does not mention '$1'"
  }
  ok "$2"
}

# raw_digest TOOL REF [FLAGS...]: sha256 of the manifest as the registry serves it.
raw_digest ()
{
  local tool=$1 ref=$2
  shift 2
  if [ "$tool" = skopeo ]; then
    skopeo_ inspect --raw "$@" "$ref" | sha256sum | cut -d' ' -f1
  else
    sk inspect --raw "$@" "$ref" | sha256sum | cut -d' ' -f1
  fi
}

file_digest ()
{
  sha256sum < "$1" | cut -d' ' -f1
}

# no_secret FILE SECRET WHAT: a log must not contain a secret.
no_secret ()
{
  if grep -qF -- "$2" "$1"; then
    grep -nF -- "$2" "$1" | head -3 | sed 's/^/  /' >&2
    fail "$3"
  fi
  ok "$3"
}

# first_manifest INDEX.JSON: the hex digest of the first manifest an index lists.
first_manifest ()
{
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"][7:])' \
    "$1"
}

SAMPLE_MANIFEST=$(first_manifest "$SAMPLE/index.json")
INDEX_MANIFEST=$(first_manifest "$SAMPLE_INDEX/index.json")
python3 "$HERE/make-image.py" "$TMP/big" 3 300000

###########################################################################################
step "plain HTTP registry"
P=$(free_port)
start_registry plain "$P"
wait_for "http://127.0.0.1:$P/v2/"
R=127.0.0.1:$P
NOTLS=(--tls-verify=false)

run_ok "push one image" sk copy --dest-tls-verify=false oci:"$SAMPLE":latest \
  "docker://$R/one/app:v1"
same_text "skopeo reads the pushed manifest with the source's digest" "$SAMPLE_MANIFEST" \
  "$(raw_digest skopeo "docker://$R/one/app:v1" "${NOTLS[@]}")"

run_ok "skopeo pulls what skopos pushed" skopeo_ copy --src-tls-verify=false \
  "docker://$R/one/app:v1" dir:"$TMP/pull-skopeo"
run_ok "skopos pulls it too" sk copy --src-tls-verify=false "docker://$R/one/app:v1" \
  dir:"$TMP/pull-skopos"
same_file <(tree_sum "$TMP/pull-skopeo") <(tree_sum "$TMP/pull-skopos") \
  "both pulls store the same files"

run_ok "skopeo pushes" skopeo_ copy --dest-tls-verify=false oci:"$SAMPLE":latest \
  "docker://$R/two/app:v1"
same_text "skopos reads skopeo's push with the same digest" "$SAMPLE_MANIFEST" \
  "$(raw_digest sk "docker://$R/two/app:v1" "${NOTLS[@]}")"
run_ok "skopos pulls skopeo's push" sk copy --src-tls-verify=false "docker://$R/two/app:v1" \
  oci:"$TMP/from-skopeo":x
digests oci "$TMP/from-skopeo" x > "$TMP/got"
digests oci "$SAMPLE" latest > "$TMP/want"
same_file "$TMP/want" "$TMP/got" "the pulled image has the source's digests"

run_ok "push a multi-platform list" sk copy --all --dest-tls-verify=false \
  oci:"$SAMPLE_INDEX":latest "docker://$R/multi/app:v1"
same_text "skopeo reads the list with the source's digest" "$INDEX_MANIFEST" \
  "$(raw_digest skopeo "docker://$R/multi/app:v1" "${NOTLS[@]}")"
run_ok "skopeo pulls the whole list" skopeo_ copy --all --src-tls-verify=false \
  "docker://$R/multi/app:v1" oci:"$TMP/multi-skopeo":x
digests oci "$TMP/multi-skopeo" x > "$TMP/got-idx"
digests oci "$SAMPLE_INDEX" latest > "$TMP/want-idx"
same_file "$TMP/want-idx" "$TMP/got-idx" "skopeo pulls the same list and instances"
run_ok "skopeo pushes a list" skopeo_ copy --all --dest-tls-verify=false \
  oci:"$SAMPLE_INDEX":latest "docker://$R/multi/skopeo:v1"
run_ok "skopos pulls skopeo's list" sk copy --all --src-tls-verify=false \
  "docker://$R/multi/skopeo:v1" oci:"$TMP/multi-skopos":x
digests oci "$TMP/multi-skopos" x > "$TMP/got-idx2"
same_file "$TMP/want-idx" "$TMP/got-idx2" "skopos pulls the same list and instances"

run_ok "list-tags" sk list-tags --tls-verify=false "docker://$R/one/app"
skopeo_ list-tags --tls-verify=false "docker://$R/one/app" > "$TMP/tags-skopeo"
same_file "$TMP/tags-skopeo" "$TMP/last.out" "list-tags prints what skopeo prints"
run_fails "list-tags refuses a tag" 1 sk list-tags --tls-verify=false "docker://$R/one/app:v1"
err_has "No tag or digest" "list-tags with a tag is refused"

step "uploads: chunks, parallel layers, mounts"
run_ok "push a 3-layer image in 64 KiB chunks" env SKOPOS_DOCKER_UPLOAD_CHUNK_SIZE=65536 \
  "$SKOPOS" --policy "$POLICY" --debug copy --dest-tls-verify=false oci:"$TMP/big":latest \
    "docker://$R/big/app:v1"
grep -c 'PATCH http' "$TMP/last.err" > "$TMP/patches" || true
[ "$(cat "$TMP/patches")" -ge 15 ] || fail "expected many PATCH requests, saw $(cat "$TMP/patches")"
ok "large layers went up in PATCH chunks"
BIG_MANIFEST=$(first_manifest "$TMP/big/index.json")
same_text "skopeo reads the chunked upload with the right digest" "$BIG_MANIFEST" \
  "$(raw_digest skopeo "docker://$R/big/app:v1" "${NOTLS[@]}")"
run_ok "skopeo pulls the chunked upload" skopeo_ copy --src-tls-verify=false \
  "docker://$R/big/app:v1" oci:"$TMP/big-back":x
digests oci "$TMP/big-back" x > "$TMP/got-big"
digests oci "$TMP/big" latest > "$TMP/want-big"
same_file "$TMP/want-big" "$TMP/got-big" "the chunked blobs are intact"

run_ok "copy within the registry" sk --debug copy --src-tls-verify=false --dest-tls-verify=false \
  "docker://$R/big/app:v1" "docker://$R/mounted/app:v1"
MOUNTS=$(grep -c 'Mounted sha256:' "$TMP/last.err" || true)
if [ "$MOUNTS" -lt 3 ]; then
  grep -i 'mount\|upload' "$TMP/last.err" | head >&2
  fail "expected 3 mounts, saw $MOUNTS"
fi
ok "the layers were mounted from the other repository ($MOUNTS mounts)"
if grep -q 'PUT http.*blobs/uploads/.*digest=' "$TMP/last.err"; then
  fail "a blob was uploaded although it could be mounted"
fi
ok "no layer was uploaded"
same_text "the mounted image reads back" "$BIG_MANIFEST" \
  "$(raw_digest skopeo "docker://$R/mounted/app:v1" "${NOTLS[@]}")"

step "missing images and delete"
run_fails "a missing tag exits 2" 2 sk inspect --tls-verify=false "docker://$R/one/app:nope"
err_has "manifest unknown" "the error says the manifest is unknown"
run_fails "a missing repository exits 2" 2 sk inspect --tls-verify=false \
  "docker://$R/nothing/here:v1"
run_ok "delete by tag" sk delete --tls-verify=false "docker://$R/two/app:v1"
run_fails "the deleted image is gone" 2 sk inspect --tls-verify=false "docker://$R/two/app:v1"
run_ok "push again, delete by digest" sk copy --dest-tls-verify=false oci:"$SAMPLE":latest \
  "docker://$R/two/app:v2"
run_ok "delete by digest" sk delete --tls-verify=false "docker://$R/two/app@sha256:$SAMPLE_MANIFEST"
run_fails "gone by digest" 2 sk inspect --tls-verify=false \
  "docker://$R/two/app@sha256:$SAMPLE_MANIFEST"
run_fails "delete of a missing image exits 2" 2 sk delete --tls-verify=false \
  "docker://$R/two/app:v2"
run_fails "plain HTTP needs --tls-verify=false" 1 sk inspect "docker://$R/one/app:v1"
err_has "https://$R" "the error names the HTTPS address tried"

###########################################################################################
step "registries.conf"
conf ()
{
  cat > "$CONTAINERS_REGISTRIES_CONF"
}

conf <<EOF
[[registry]]
location = "$R"
insecure = true
EOF
run_ok "an insecure registry (insecure = true) needs no flag" sk inspect "docker://$R/one/app:v1"
run_ok "push to an insecure registry" sk copy oci:"$SAMPLE":latest "docker://$R/conf/insecure:v1"

conf <<EOF
[registries.insecure]
registries = ["$R"]
EOF
run_ok "an insecure registry (version 1 syntax)" sk inspect "docker://$R/one/app:v1"

conf <<EOF
[[registry]]
location = "$R"
blocked = true
EOF
run_fails "a blocked registry cannot be read" 1 sk inspect --tls-verify=false \
  "docker://$R/one/app:v1"
err_has "blocked" "the error says the registry is blocked"
run_fails "a blocked registry cannot be written" 1 sk copy --dest-tls-verify=false \
  oci:"$SAMPLE":latest "docker://$R/x/y:v1"
err_has "blocked" "pushing says blocked"
run_fails "a blocked registry cannot be listed" 1 sk list-tags --tls-verify=false \
  "docker://$R/one/app"
err_has "blocked" "list-tags says blocked"

: > "$CONTAINERS_REGISTRIES_CONF"
mkdir -p "$TMP/registries.conf.d"
printf '[[registry]]\nprefix = "%s/one"\nlocation = "%s/one"\nblocked = true\n' "$R" "$R" \
  > "$TMP/registries.conf.d/50-block.conf"
run_fails "a drop-in blocks a namespace" 1 sk inspect --tls-verify=false "docker://$R/one/app:v1"
err_has "blocked" "the drop-in's block applies"
run_ok "other namespaces are not blocked" sk inspect --tls-verify=false "docker://$R/multi/app:v1"
rm -rf "$TMP/registries.conf.d"

# A mirror in another namespace: the image exists only there.
run_ok "seed the mirror" sk copy --dest-tls-verify=false oci:"$SAMPLE":latest \
  "docker://$R/mirror/ns/app:v1"
conf <<EOF
[[registry]]
prefix = "$R/virtual"
location = "$R/virtual"
insecure = true
[[registry.mirror]]
location = "$R/mirror/ns"
insecure = true
EOF
same_text "a tag pull is served by the mirror" "$SAMPLE_MANIFEST" \
  "$(raw_digest sk "docker://$R/virtual/app:v1")"
run_ok "copy from the mirror" sk copy "docker://$R/virtual/app:v1" oci:"$TMP/mirrored":x
run_ok "list-tags reads the mirror" sk list-tags "docker://$R/virtual/app"
grep -q '"v1"' "$TMP/last.out" || fail "list-tags through the mirror lacks v1"
ok "list-tags through the mirror"

conf <<EOF
[[registry]]
prefix = "$R/virtual"
location = "$R/virtual"
insecure = true
[[registry.mirror]]
location = "$R/mirror/ns"
insecure = true
pull-from-mirror = "digest-only"
EOF
run_fails "a digest-only mirror is not used for tags" 2 sk inspect "docker://$R/virtual/app:v1"
same_text "a digest-only mirror is used for digests" "$SAMPLE_MANIFEST" \
  "$(raw_digest sk "docker://$R/virtual/app@sha256:$SAMPLE_MANIFEST")"

conf <<EOF
[[registry]]
prefix = "rewritten.invalid/team"
location = "$R/one"
insecure = true
EOF
same_text "a prefix is rewritten to its location" "$SAMPLE_MANIFEST" \
  "$(raw_digest sk docker://rewritten.invalid/team/app:v1)"

conf <<EOF
[[registry]]
location = "$R"
insecure = maybe
EOF
run_fails "a malformed registries.conf is an error" 1 sk inspect --tls-verify=false \
  "docker://$R/one/app:v1"
err_has "registries.conf:3" "the error names the file and line"
: > "$CONTAINERS_REGISTRIES_CONF"

###########################################################################################
step "TLS with client certificates"
CERTS=$TMP/certs
mkdir -p "$CERTS"
(
  cd "$CERTS" || exit 1
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
    -subj "/CN=skopos test CA" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
    -subj "/CN=127.0.0.1" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > san.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt \
    -days 2 -extfile san.ext 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr \
    -subj "/CN=skopos client" 2>/dev/null
  openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt \
    -days 2 2>/dev/null
)
mkdir -p "$TMP/cert-dir" "$TMP/ca-only"
cp "$CERTS/ca.crt" "$TMP/cert-dir/ca.crt"
cp "$CERTS/client.crt" "$TMP/cert-dir/client.cert"
cp "$CERTS/client.key" "$TMP/cert-dir/client.key"
cp "$CERTS/ca.crt" "$TMP/ca-only/ca.crt"
cat > "$TMP/tls.yml" <<EOF
  tls:
    certificate: $CERTS/server.crt
    key: $CERTS/server.key
    clientcas:
      - $CERTS/ca.crt
EOF
TP=$(free_port)
start_registry tls "$TP" "$TMP/tls.yml"
wait_for "https://127.0.0.1:$TP/v2/" "$CERTS/client.crt" "$CERTS/client.key"
T=127.0.0.1:$TP

run_ok "push over TLS with --dest-cert-dir" sk copy --dest-cert-dir "$TMP/cert-dir" \
  oci:"$SAMPLE":latest "docker://$T/tls/app:v1"
same_text "skopeo reads it with the same certificates" "$SAMPLE_MANIFEST" \
  "$(raw_digest skopeo "docker://$T/tls/app:v1" --cert-dir "$TMP/cert-dir")"
run_fails "an unknown CA is refused" 1 sk inspect "docker://$T/tls/app:v1"
err_has "certificate" "the error is about the certificate"
run_fails "the server wants a client certificate" 1 sk inspect --cert-dir "$TMP/ca-only" \
  "docker://$T/tls/app:v1"
mkdir -p "$HOME/.config/containers/certs.d/$T"
cp "$TMP/cert-dir/"* "$HOME/.config/containers/certs.d/$T/"
run_ok "per-host certs.d is used without flags" sk inspect "docker://$T/tls/app:v1"
run_ok "pull over TLS" sk copy "docker://$T/tls/app:v1" oci:"$TMP/tls-pull":x
rm "$HOME/.config/containers/certs.d/$T/client.key"
run_fails "a client certificate without its key is an error" 1 sk inspect "docker://$T/tls/app:v1"
err_has "client.key" "the error names the missing key"
rm -rf "$HOME/.config/containers/certs.d"

###########################################################################################
step "htpasswd (Basic) authentication"
PASS='pa:ss w0rd'
htpasswd -Bbn alice "$PASS" > "$TMP/htpasswd"
htpasswd -Bbn bob bobsecret >> "$TMP/htpasswd"
cat > "$TMP/basic.yml" <<EOF
auth:
  htpasswd:
    realm: skopos-test
    path: $TMP/htpasswd
EOF
BP=$(free_port)
start_registry basic "$BP" "$TMP/basic.yml"
wait_for "http://127.0.0.1:$BP/v2/"
B=127.0.0.1:$BP

run_ok "push with --dest-creds (a password with ':')" sk copy --dest-tls-verify=false \
  --dest-creds "alice:$PASS" oci:"$SAMPLE":latest "docker://$B/team/app:v1"
run_ok "skopeo reads it with the same credentials" skopeo_ inspect --tls-verify=false \
  --creds "alice:$PASS" "docker://$B/team/app:v1"
run_ok "--username/--password" sk inspect --tls-verify=false --username alice --password "$PASS" \
  "docker://$B/team/app:v1"
run_fails "no credentials" 1 sk inspect --tls-verify=false "docker://$B/team/app:v1"
err_has "authentication required\|unauthorized" "anonymous access is refused"
run_fails "a wrong password" 1 sk inspect --tls-verify=false --creds alice:wrong \
  "docker://$B/team/app:v1"
err_has "unauthorized\|authentication" "a wrong password is refused"
no_secret "$TMP/last.err" "wrong" "the refused password is not shown"

run_fails "login with a wrong password" 1 sk login --tls-verify=false -u alice -p nope "$B"
[ ! -e "$REGISTRY_AUTH_FILE" ] || fail "a failed login wrote $REGISTRY_AUTH_FILE"
ok "a failed login stores nothing"
run_ok "login" sk login --tls-verify=false -u alice -p "$PASS" "$B"
grep -q 'Login Succeeded!' "$TMP/last.out" || fail "login did not say it succeeded"
same_text "auth.json has mode 0600" 600 "$(stat -c %a "$REGISTRY_AUTH_FILE")"
printf '{\n\t"auths": {\n\t\t"%s": {\n\t\t\t"auth": "%s"\n\t\t}\n\t}\n}' "$B" \
  "$(printf '%s' "alice:$PASS" | base64 -w0)" > "$TMP/auth-want.json"
same_file "$TMP/auth-want.json" "$REGISTRY_AUTH_FILE" "auth.json is written as podman writes it"
run_ok "the stored credentials work" sk inspect --tls-verify=false "docker://$B/team/app:v1"
run_ok "skopeo uses the stored credentials" skopeo_ inspect --tls-verify=false \
  "docker://$B/team/app:v1"
run_ok "--get-login" sk login --get-login "$B"
same_text "--get-login prints the user" alice "$(cat "$TMP/last.out")"
run_ok "login again with stored credentials" sk login --tls-verify=false "$B"
grep -q 'Already logged in' "$TMP/last.out" || fail "login did not reuse valid credentials"
ok "valid stored credentials are reused"
run_ok "logout" sk logout "$B"
grep -q "Removed login credentials for $B" "$TMP/last.out" || fail "logout said nothing"
run_fails "logged out" 1 sk inspect --tls-verify=false "docker://$B/team/app:v1"
run_fails "logout twice" 1 sk logout "$B"
err_has "not logged into" "logging out twice says so"
run_ok "login --password-stdin" sh -c \
  "printf '%s\n' '$PASS' | '$SKOPOS' login --tls-verify=false -u alice --password-stdin $B"
run_ok "login to a separate auth file" sk login --tls-verify=false -u alice -p "$PASS" \
  --authfile "$TMP/other-auth.json" "$B"
run_ok "--src-authfile" sk copy --src-tls-verify=false --src-authfile "$TMP/other-auth.json" \
  "docker://$B/team/app:v1" oci:"$TMP/authfile-pull":x
run_fails "--dest-no-creds" 1 sk copy --dest-tls-verify=false --dest-no-creds \
  oci:"$SAMPLE":latest "docker://$B/team/app:v2"
run_ok "logout --all" sk logout --all
run_fails "everything is gone" 1 sk login --get-login "$B"

step "auth files, keys and helpers"
# A namespace key wins over the registry's key.
python3 - "$REGISTRY_AUTH_FILE" "$B" "$PASS" <<'EOF'
import base64, json, sys
path, reg, pw = sys.argv[1:4]
enc = lambda s: base64.b64encode(s.encode()).decode()
json.dump({"auths": {reg: {"auth": enc("bob:wrong-for-bob")},
                     reg + "/team": {"auth": enc("alice:" + pw)}}}, open(path, "w"))
EOF
run_ok "host/namespace credentials win over host ones" sk inspect --tls-verify=false \
  "docker://$B/team/app:v1"
run_fails "other namespaces get the host's (wrong) ones" 1 sk inspect --tls-verify=false \
  "docker://$B/other/app:v1"
rm -f "$REGISTRY_AUTH_FILE"

# Without REGISTRY_AUTH_FILE: docker's config.json with an URL key.
(
  unset REGISTRY_AUTH_FILE
  mkdir -p "$HOME/.docker"
  python3 - "$HOME/.docker/config.json" "$B" "$PASS" <<'EOF'
import base64, json, sys
path, reg, pw = sys.argv[1:4]
auth = base64.b64encode(("alice:" + pw).encode()).decode()
json.dump({"auths": {"http://" + reg + "/v2/": {"auth": auth}}}, open(path, "w"))
EOF
  run_ok "docker's config.json with an URL key" sk inspect --tls-verify=false \
    "docker://$B/team/app:v1"
  # The containers file comes first.
  python3 - "$XDG_RUNTIME_DIR/containers/auth.json" "$B" <<'EOF'
import base64, json, os, sys
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
auth = base64.b64encode(b"bob:wrong").decode()
json.dump({"auths": {sys.argv[2]: {"auth": auth}}}, open(sys.argv[1], "w"))
EOF
  run_fails "\$XDG_RUNTIME_DIR/containers/auth.json is read first" 1 \
    sk inspect --tls-verify=false "docker://$B/team/app:v1"
  rm -f "$XDG_RUNTIME_DIR/containers/auth.json"

  # A credential helper named by credHelpers.
  mkdir -p "$TMP/bin"
  cat > "$TMP/bin/docker-credential-skopostest" <<EOF
#!/bin/sh
[ "\$1" = get ] || exit 3
read -r server
if [ "\$server" = "$B" ]; then
  printf '{"ServerURL":"%s","Username":"alice","Secret":"%s"}\n' "$B" '$PASS'
else
  echo 'credentials not found in native keychain'; exit 1
fi
EOF
  chmod +x "$TMP/bin/docker-credential-skopostest"
  printf '{"auths": {}, "credHelpers": {"%s": "skopostest"}}' "$B" > "$HOME/.docker/config.json"
  PATH=$TMP/bin:$PATH run_ok "credHelpers" sk inspect --tls-verify=false "docker://$B/team/app:v1"
  printf '{"auths": {}, "credsStore": "skopostest"}' > "$HOME/.docker/config.json"
  PATH=$TMP/bin:$PATH run_ok "credsStore" sk inspect --tls-verify=false "docker://$B/team/app:v1"
  PATH=$TMP/bin:$PATH run_ok "--get-login through a helper" sk login --get-login "$B"
  rm -rf "$HOME/.docker"
)

step "--debug shows no credentials"
SKOPOS_DEBUG_HTTP=1 run_ok "debug run" sk --debug copy --src-tls-verify=false --src-creds \
  "alice:$PASS" \
  "docker://$B/team/app:v1" oci:"$TMP/debug-pull":x
cp "$TMP/last.err" "$TMP/debug-basic.log"
grep -q 'Authorization: <redacted>' "$TMP/debug-basic.log" || fail "the HTTP trace did not run"
no_secret "$TMP/debug-basic.log" "$PASS" "the password is not in --debug output"
no_secret "$TMP/debug-basic.log" "$(printf '%s' "alice:$PASS" | base64 -w0)" \
  "the Basic header is not in --debug output"

###########################################################################################
step "token authentication"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/token.key" -out "$TMP/token.crt" \
  -days 2 -subj "/CN=skopos token issuer" 2>/dev/null
KP=$(free_port)
timeout 900 python3 "$HERE/token-server.py" --port "$KP" --key "$TMP/token.key" \
  --cert "$TMP/token.crt" --issuer skopos-issuer --service skopos-registry \
  --user "carol:$PASS" --refresh-token "refresh-abc123:carol" --log "$TMP/token.log" \
  > "$TMP/token.out" 2>&1 &
SERVER_PIDS+=($!)
cat > "$TMP/token.yml" <<EOF
auth:
  token:
    realm: http://127.0.0.1:$KP/token
    service: skopos-registry
    issuer: skopos-issuer
    rootcertbundle: $TMP/token.crt
EOF
KR=$(free_port)
start_registry token "$KR" "$TMP/token.yml"
wait_for "http://127.0.0.1:$KP/token"
wait_for "http://127.0.0.1:$KR/v2/"
K=127.0.0.1:$KR

run_ok "push with a bearer token" sk copy --dest-tls-verify=false --dest-creds "carol:$PASS" \
  oci:"$SAMPLE":latest "docker://$K/private/app:v1"
grep -q '"repository:private/app:pull,push"' "$TMP/token.log" || fail "no push scope was asked for"
ok "the token asked for pull,push on the repository"
run_ok "push a public image" sk copy --dest-tls-verify=false --dest-creds "carol:$PASS" \
  oci:"$SAMPLE":latest "docker://$K/public/app:v1"
run_ok "anonymous pull of a public image" sk copy --src-tls-verify=false \
  "docker://$K/public/app:v1" oci:"$TMP/anon":x
run_fails "anonymous pull of a private image" 1 sk inspect --tls-verify=false \
  "docker://$K/private/app:v1"
run_fails "a wrong password" 1 sk inspect --tls-verify=false --creds carol:wrong \
  "docker://$K/private/app:v1"
err_has "invalid username/password" "the token server's refusal is reported"
run_ok "skopeo pulls the token-protected image" skopeo_ inspect --tls-verify=false \
  --creds "carol:$PASS" "docker://$K/private/app:v1"
run_ok "a cross-repository mount with tokens" sk --debug copy --src-tls-verify=false \
  --dest-tls-verify=false --src-creds "carol:$PASS" --dest-creds "carol:$PASS" \
  "docker://$K/private/app:v1" "docker://$K/private/copy:v1"
grep -q 'Mounted sha256:' "$TMP/last.err" || fail "no mount under token auth"
grep 'repository:private/copy:pull,push' "$TMP/token.log" | grep -q \
  '"repository:private/app:pull"' \
  || fail "the mount did not ask for pull on the source"
ok "the mount asked for pull access to the source repository"

python3 - "$REGISTRY_AUTH_FILE" "$K" <<'EOF'
import json, sys
entry = {"auth": "", "identitytoken": "refresh-abc123"}
json.dump({"auths": {sys.argv[2]: entry}}, open(sys.argv[1], "w"))
EOF
run_ok "an identity (refresh) token from auth.json" sk inspect --tls-verify=false \
  "docker://$K/private/app:v1"
grep -q '"how": "refresh"' "$TMP/token.log" || fail "the refresh token was not used"
ok "the refresh token was traded for an access token"
rm -f "$REGISTRY_AUTH_FILE"

TOKEN=$(python3 - "http://127.0.0.1:$KP/token" "carol:$PASS" <<'EOF'
import base64, json, sys, urllib.request
req = urllib.request.Request(
    sys.argv[1] + "?service=skopos-registry&scope=repository:private/app:pull",
    headers={"Authorization": "Basic " + base64.b64encode(sys.argv[2].encode()).decode()})
print(json.load(urllib.request.urlopen(req, timeout=10))["token"])
EOF
)
run_ok "--registry-token" sk inspect --tls-verify=false --registry-token "$TOKEN" \
  "docker://$K/private/app:v1"
PUSH_TOKEN=$(python3 - "http://127.0.0.1:$KP/token" "carol:$PASS" <<'EOF'
import base64, json, sys, urllib.request
req = urllib.request.Request(
    sys.argv[1] + "?service=skopos-registry&scope=repository:private/tok:pull,push",
    headers={"Authorization": "Basic " + base64.b64encode(sys.argv[2].encode()).decode()})
print(json.load(urllib.request.urlopen(req, timeout=10))["token"])
EOF
)
run_ok "--dest-registry-token" sk copy --dest-tls-verify=false --dest-registry-token "$PUSH_TOKEN" \
  oci:"$SAMPLE":latest "docker://$K/private/tok:v1"
run_ok "list-tags with a token" sk list-tags --tls-verify=false --creds "carol:$PASS" \
  "docker://$K/private/app"
grep -q '"v1"' "$TMP/last.out" || fail "list-tags under token auth lacks v1"
run_ok "delete with a token" sk delete --tls-verify=false --creds "carol:$PASS" \
  "docker://$K/private/copy:v1"
run_ok "login against the token server" sk login --tls-verify=false -u carol -p "$PASS" "$K"
run_fails "login with a wrong password" 1 sk login --tls-verify=false -u carol -p bad "$K"

SKOPOS_DEBUG_HTTP=1 run_ok "debug run with tokens" sk --debug inspect --tls-verify=false \
  --creds "carol:$PASS" "docker://$K/private/app:v1"
cp "$TMP/last.err" "$TMP/debug-token.log"
SKOPOS_DEBUG_HTTP=1 run_ok "debug run with --registry-token" sk --debug inspect --tls-verify=false \
  --registry-token "$TOKEN" "docker://$K/private/app:v1"
cat "$TMP/last.err" >> "$TMP/debug-token.log"
no_secret "$TMP/debug-token.log" "$PASS" "the password is not in --debug output"
no_secret "$TMP/debug-token.log" "${TOKEN##*.}" "the token is not in --debug output"
no_secret "$TMP/debug-token.log" "refresh-abc123" "the refresh token is not in --debug output"
sk logout --all > /dev/null

###########################################################################################
step "faults"
# start_fault MODE [ARGS...]: a fault server in front of $R; sets FP and F.
start_fault ()
{
  local mode=$1
  shift
  FP=$(free_port)
  timeout 900 python3 "$HERE/fault-server.py" --port "$FP" --upstream "$R" --mode "$mode" \
    --log "$TMP/fault-$mode.log" "$@" > "$TMP/fault-$mode.out" 2>&1 &
  SERVER_PIDS+=($!)
  wait_for "http://127.0.0.1:$FP/v2/"
  F=127.0.0.1:$FP
}

start_fault 429 --count 2 --retry-after 1
START=$(date +%s)
run_ok "429 with Retry-After, then success" sk inspect --raw --tls-verify=false \
  "docker://$F/one/app:v1"
ELAPSED=$(( $(date +%s) - START ))
[ "$(grep -c '"action": "429"' "$TMP/fault-429.log")" = 2 ] || fail \
  "the server did not answer 429 twice"
[ "$ELAPSED" -ge 2 ] || fail "Retry-After was not honoured (took ${ELAPSED}s)"
ok "waited as Retry-After asked (${ELAPSED}s)"
python3 - "$TMP/fault-429.log" <<'EOF' || fail "a request did not say User-Agent: skopos/…"
import json, sys
# (The readiness check of this script is Python's urllib.)
agents = {json.loads(line)["agent"] for line in open(sys.argv[1])} - {""}
agents = {a for a in agents if not a.startswith("Python-urllib/")}
sys.exit(not agents or not all(a.startswith("skopos/") for a in agents))
EOF
ok "requests carry User-Agent: skopos/VERSION"

run_ok "push the big image where the fault server can cut it" \
  sk copy --dest-tls-verify=false oci:"$TMP/big":latest "docker://$R/drop/app:v1"
start_fault drop
run_fails "a connection dropped mid-blob" 1 sk copy --src-tls-verify=false \
  "docker://$F/drop/app:v1" oci:"$TMP/drop1":x
err_has "connection dropped after\|transfer closed\|partial" "the error says the connection dropped"
pid=${SERVER_PIDS[-1]}; kill "$pid"; wait "$pid" 2>/dev/null || true
start_fault drop
run_ok "with --retry-times the copy resumes" sk copy --retry-times 3 --retry-delay 100ms \
  --src-tls-verify=false "docker://$F/drop/app:v1" oci:"$TMP/drop2":x
grep -q '"action": "drop"' "$TMP/fault-drop.log" || fail "nothing was dropped"
grep -q '"range": "bytes=' "$TMP/fault-drop.log" || fail "no Range request resumed the download"
digests oci "$TMP/drop2" x > "$TMP/got-drop"
same_file "$TMP/want-big" "$TMP/got-drop" "the resumed blobs are intact"

step "tag list pagination"
python3 - "http://$R/v2/one/app/manifests" "$SAMPLE/blobs/sha256/$SAMPLE_MANIFEST" <<'EOF' \
  || fail "could not add 120 tags"
import sys, urllib.request
base, path = sys.argv[1:3]
data = open(path, "rb").read()
for i in range(1, 121):
    req = urllib.request.Request(
        "%s/t%03d" % (base, i), data=data, method="PUT",
        headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    urllib.request.urlopen(req, timeout=10).read()
EOF
start_fault paging --page-size 50
run_ok "list-tags through Link pages" sk list-tags --tls-verify=false "docker://$F/one/app"
python3 - "$TMP/last.out" <<'EOF' || fail "the paged tag list is wrong"
import json, sys
tags = json.load(open(sys.argv[1]))["Tags"]
want = ["t%03d" % i for i in range(1, 121)] + ["v1"]
if sorted(tags) != sorted(want) or len(tags) != len(set(tags)):
    print("got %d tags: %s ..." % (len(tags), tags[:5]), file=sys.stderr)
    sys.exit(1)
EOF
[ "$(grep -c '"action": "page"' "$TMP/fault-paging.log")" -ge 3 ] || fail \
  "fewer than 3 pages were served"
ok "121 tags read in 3 pages"

step "redirects to another host"
FP_CDN=$(free_port)
start_fault_basic ()
{
  FP=$(free_port)
  timeout 900 python3 "$HERE/fault-server.py" --port "$FP" --upstream "$B" --mode redirect \
    --cdn-port "$FP_CDN" --upstream-auth "alice:$PASS" --log "$TMP/fault-redirect.log" \
    > "$TMP/fault-redirect.out" 2>&1 &
  SERVER_PIDS+=($!)
  wait_for "http://127.0.0.1:$FP/v2/"
  F=127.0.0.1:$FP
}
start_fault_basic
run_ok "blobs served from another host" sk copy --src-tls-verify=false --src-creds "alice:$PASS" \
  "docker://$F/team/app:v1" oci:"$TMP/redirected":x
grep -q '"cdn": true' "$TMP/fault-redirect.log" || fail "nothing was fetched from the other host"
if grep '"cdn": true' "$TMP/fault-redirect.log" | grep -q '"auth": true'; then
  fail "credentials were sent to the other host"
fi
ok "the other host got no credentials"
grep '"action": "forward"' "$TMP/fault-redirect.log" | grep -q '"auth": true' \
  || fail "the registry itself got no credentials"
ok "the registry itself got them"

echo "registry tests: all passed"
