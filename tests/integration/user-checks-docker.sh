#!/bin/bash
# user-checks-docker.sh: what a new user of docker:// relies on, found by testing the CLI
# side by side with skopeo against Debian's registry. Each check runs even when an
# earlier one failed, so one run lists every regression; the script fails if any did.
#
#  - SKOPOS_DEBUG_HTTP=1 --debug against an HTTPS registry (libcurl speaks HTTP/2 there
#    and traces request headers in its own info lines) shows no credentials;
#  - a credsStore in ~/.docker/config.json naming a helper that is not installed does
#    not break reading a registry that needs no credentials (skopeo ignores credsStore);
#  - pushing an image with uncompressed layers (from docker-archive:) to a registry
#    compresses them with gzip, as skopeo does;
#  - --retry-times N --retry-delay D against a registry that is down gives up after
#    about N * D, not after nested retries of retries.
#
# Servers: two registries on 127.0.0.1, stopped by PID on exit (and by timeout anyway).

source "$(dirname "$0")/integ-lib.sh"
need python3 jq openssl htpasswd
REGISTRY_BIN=/usr/bin/docker-registry
[ -x "$REGISTRY_BIN" ] || fail "this test needs $REGISTRY_BIN (Debian package docker-registry)"

export XDG_RUNTIME_DIR=$TMP/run
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
export REGISTRY_AUTH_FILE=$TMP/auth.json
export CONTAINERS_REGISTRIES_CONF=$TMP/registries.conf
: > "$CONTAINERS_REGISTRIES_CONF"
unset DOCKER_CONFIG XDG_CONFIG_HOME SKOPOS_DEBUG_HTTP || true

SERVER_PIDS=()
_cleanup ()
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
trap _cleanup EXIT

failures=0
bad ()
{
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

reported=0
passed ()
{
  [ "$failures" -eq "$reported" ] && ok "$*"
  reported=$failures
}

free_port ()
{
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# start_registry NAME PORT [EXTRA-YAML]: a registry storing in $TMP/NAME.
start_registry ()
{
  local name=$1 port=$2 extra=${3:-}
  mkdir -p "$TMP/$name"
  {
    printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n'
    printf 'storage:\n  filesystem:\n    rootdirectory: %s\n' "$TMP/$name/data"
    printf 'http:\n  addr: 127.0.0.1:%s\n  secret: user-checks-docker\n' "$port"
    printf '%s' "$extra"
  } > "$TMP/$name/config.yml"
  # The registry reads REGISTRY_* variables as its configuration: it gets none of ours.
  env -u REGISTRY_AUTH_FILE timeout 600 "$REGISTRY_BIN" serve "$TMP/$name/config.yml" \
    > "$TMP/$name/log" 2>&1 &
  SERVER_PIDS+=($!)
  local _
  for _ in $(seq 1 100); do
    if python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
         "$port" 2> /dev/null; then
      return 0
    fi
    sleep 0.1
  done
  sed 's/^/  /' "$TMP/$name/log" >&2
  fail "registry $name does not start"
}

# A CA and a server certificate for 127.0.0.1.
CERTS=$TMP/certs
mkdir -p "$CERTS" "$TMP/cert-dir"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$CERTS/ca.key" -out "$CERTS/ca.crt" \
  -days 2 -subj /CN=user-checks-ca 2> /dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$CERTS/server.key" -out "$CERTS/server.csr" \
  -subj /CN=127.0.0.1 2> /dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$CERTS/ext"
openssl x509 -req -in "$CERTS/server.csr" -CA "$CERTS/ca.crt" -CAkey "$CERTS/ca.key" \
  -CAcreateserial -out "$CERTS/server.crt" -days 2 -extfile "$CERTS/ext" 2> /dev/null
cp "$CERTS/ca.crt" "$TMP/cert-dir/ca.crt"

PASS='pa:ss:w0rd'
htpasswd -Bbn user "$PASS" > "$TMP/htpasswd"
TP=$(free_port)
start_registry tls "$TP" "  tls:
    certificate: $CERTS/server.crt
    key: $CERTS/server.key
auth:
  htpasswd:
    realm: user-checks
    path: $TMP/htpasswd
"
T=127.0.0.1:$TP
PP=$(free_port)
start_registry plain "$PP"
P=127.0.0.1:$PP

run_ok "push to the TLS registry" sk copy -q --dest-cert-dir "$TMP/cert-dir" \
  --dest-creds "user:$PASS" oci:"$SAMPLE":latest "docker://$T/app:1"
run_ok "push to the plain registry" sk copy -q --dest-tls-verify=false \
  oci:"$SAMPLE":latest "docker://$P/app:1"

###########################################################################################
step "an HTTP trace over HTTPS shows no credentials"
B64=$(printf '%s' "user:$PASS" | base64)
SKOPOS_DEBUG_HTTP=1 sk --debug inspect --raw --cert-dir "$TMP/cert-dir" \
  --creds "user:$PASS" "docker://$T/app:1" > /dev/null 2> "$TMP/trace.log" \
  || bad "inspect over TLS with --creds failed: $(tail -n 1 "$TMP/trace.log")"
grep -qi 'authorization' "$TMP/trace.log" || bad "the HTTP trace did not run"
if grep -n -F -e "$B64" -e "$PASS" "$TMP/trace.log" | head -3 | sed 's/^/  /' >&2; then
  bad "SKOPOS_DEBUG_HTTP=1 --debug printed the credentials (above)"
fi
passed "the HTTP trace over HTTPS redacts the credentials"

###########################################################################################
step "a credsStore whose helper is not installed"
mkdir -p "$HOME/.docker"
printf '{"auths": {}, "credsStore": "user-checks-missing"}\n' > "$HOME/.docker/config.json"
# Without REGISTRY_AUTH_FILE the default files are read, ~/.docker/config.json among them.
if ! (unset REGISTRY_AUTH_FILE; sk inspect --tls-verify=false "docker://$P/app:1") \
       > /dev/null 2> "$TMP/last.err"; then
  bad "inspect of a registry that needs no credentials fails: $(head -n 1 "$TMP/last.err")"
fi
rm -rf "$HOME/.docker"
passed "a missing credsStore helper does not stop an anonymous read"

###########################################################################################
step "layers pushed to a registry are compressed"
run_ok "write a docker archive" sk copy -q oci:"$SAMPLE":latest docker-archive:"$TMP/a.tar"
run_ok "push the archive" sk copy -q --dest-tls-verify=false docker-archive:"$TMP/a.tar" \
  "docker://$P/from-archive:1"
types=$(sk inspect --raw --tls-verify=false "docker://$P/from-archive:1" \
          | jq -r '[.layers[].mediaType] | unique | join(" ")')
[ "$types" = "application/vnd.docker.image.rootfs.diff.tar.gzip" ] \
  || bad "layers pushed from docker-archive: are stored as '$types', skopeo stores gzip"
passed "layers pushed from an archive are gzip-compressed"

###########################################################################################
step "--retry-times and --retry-delay against a registry that is down"
DOWN=127.0.0.1:$(free_port)
start=$(date +%s)
sk copy -q --src-tls-verify=false --retry-times 1 --retry-delay 1s "docker://$DOWN/app:1" \
  dir:"$TMP/never" > /dev/null 2>&1 && bad "a copy from a registry that is down succeeded"
took=$(( $(date +%s) - start ))
# skopeo: one retry after 1 s. Allow generous slack, but not nested retries.
[ "$took" -le 4 ] || bad "--retry-times 1 --retry-delay 1s took ${took}s (skopeo: about 1s)"
[ ! -e "$TMP/never" ] || bad "the failed copy left $TMP/never"
passed "retries are counted once"

[ "$failures" -eq 0 ] || fail "$failures check(s) failed"
