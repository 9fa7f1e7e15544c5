#!/bin/bash
# docker-daemon.sh: the docker-daemon transport against a real dockerd and podman's API
# service. oci -> docker-daemon -> oci and docker-archive -> docker-daemon ->
# docker-archive keep the config digest and diff IDs (checked with docker image inspect
# and docker save, and against what skopeo reads); images are read by name and by ID;
# the endpoint comes from the flag, then DOCKER_HOST; tcp:// speaks TLS with the
# certificates of --cert-dir; zstd layers load; and a daemon that is not running,
# refuses the image, or stops in the middle of a transfer gives a clear error and
# leaves no image behind.
#
# Starts a private dockerd and podman service (see docker/lib.sh), and a fake daemon
# for the failures a real one does not produce on demand. Images are made here.
source "$(dirname "$0")/integ-lib.sh"
source "$(dirname "$0")/docker/lib.sh"
need python3 skopeo podman openssl tar sha256sum zstd

HERE=$SKOPOS_SOURCE_DIR/tests/integration/docker
FAKE_PID=

stop_fake ()
{
  _stop_pid "$FAKE_PID"
  FAKE_PID=
}

# The fake daemon is stopped with the others, whatever happens.
trap 'rc=$?; set +e; stop_fake; _docker_cleanup "$rc"' EXIT

# ---- TLS material: a CA, a server certificate for 127.0.0.1, a client certificate ----
certs=$TMP/certs
mkdir -p "$certs/client"
(
  cd "$certs"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 2 \
    -subj /CN=skopos-test-ca
  openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr \
    -subj /CN=localhost
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
    -out server-cert.pem -days 2 -extfile server.ext
  openssl req -newkey rsa:2048 -nodes -keyout client/key.pem -out client.csr -subj /CN=client
  printf 'extendedKeyUsage=clientAuth\n' > client.ext
  openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
    -out client/cert.pem -days 2 -extfile client.ext
  cp ca.pem client/ca.pem
) > "$TMP/openssl.log" 2>&1 || { cat "$TMP/openssl.log" >&2; fail "making certificates"; }

port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
TLS_HOST=tcp://127.0.0.1:$port
start_dockerd --host "$TLS_HOST" --tlsverify --tlscacert "$certs/ca.pem" \
  --tlscert "$certs/server-cert.pem" --tlskey "$certs/server-key.pem"
DH=unix://$DOCKERD_SOCK

# The test image: two gzip layers, made from local files.
python3 "$HERE/make-image.py" "$TMP/src" v1 --layers 2 --label daemon > "$TMP/src.ids"
src_config=$(sed -n 1p "$TMP/src.ids")
src_diff_ids=$(sed -n '2,$p' "$TMP/src.ids" | python3 -c 'import json, sys
print(json.dumps(sys.stdin.read().split(), separators=(",", ":")))')

docker_id_and_layers ()
{
  dk image inspect --format '{{.Id}} {{json .RootFS.Layers}}' "$1"
}

# diff_ids_of CONFIG-FILE: the config's diff IDs, as compact JSON.
diff_ids_of ()
{
  json_get "$1" 'd["rootfs"]["diff_ids"]'
}

# ---- oci -> docker-daemon -> oci ----------------------------------------------------------
step "oci -> docker-daemon"
run_ok "copy into dockerd" sk copy -q --dest-daemon-host "$DH" "oci:$TMP/src:v1" \
  docker-daemon:example.com/daemon/src:v1
same_text "docker has the config digest and diff IDs" "$src_config $src_diff_ids" \
  "$(docker_id_and_layers example.com/daemon/src:v1)"

run_ok "docker save" dk save -o "$TMP/saved.tar" example.com/daemon/src:v1
same_text "docker save names the same config" "${src_config#sha256:}.json" \
  "$(tar -xOf "$TMP/saved.tar" manifest.json | python3 -c 'import json, sys
print(json.load(sys.stdin)[0]["Config"])')"
same_text "the saved config is byte for byte the source's" "${src_config#sha256:}" \
  "$(member_sha256 "$TMP/saved.tar" "${src_config#sha256:}.json")"

step "docker-daemon -> oci, as skopeo does it"
run_ok "copy out of dockerd" sk copy -q --src-daemon-host "$DH" \
  docker-daemon:example.com/daemon/src:v1 "oci:$TMP/back:v1"
run_ok "skopeo copies out of dockerd" skopeo_ copy -q --src-daemon-host "$DH" \
  docker-daemon:example.com/daemon/src:v1 "oci:$TMP/back-skopeo:v1"
sk inspect --raw --config "oci:$TMP/back:v1" > "$TMP/back.config"
skopeo_ inspect --raw --config "oci:$TMP/back-skopeo:v1" > "$TMP/back-skopeo.config"
same_file "$TMP/back-skopeo.config" "$TMP/back.config" \
  "the OCI config skopos writes is the one skopeo writes"
same_text "the diff IDs survive the round trip" "$src_diff_ids" \
  "$(diff_ids_of "$TMP/back.config")"
sk inspect --raw --config --daemon-host "$DH" docker-daemon:example.com/daemon/src:v1 \
  > "$TMP/daemon.config"
same_text "reading the daemon gives the source config" "${src_config#sha256:}" \
  "$(sha256sum < "$TMP/daemon.config" | cut -d' ' -f1)"

step "images by ID"
run_ok "inspect by ID" sk inspect --raw --config --daemon-host "$DH" "docker-daemon:$src_config"
same_file "$TMP/daemon.config" "$TMP/last.out" "the ID names the same image"
fails_with "a destination needs a tag, not an ID" "name:tag" \
  sk copy -q --dest-daemon-host "$DH" "oci:$TMP/src:v1" "docker-daemon:$src_config"
fails_with "a name without a tag is refused" "neither a tag nor a digest" \
  sk inspect --daemon-host "$DH" docker-daemon:example.com/daemon/src
fails_with "a sha512 ID is refused" "only sha256" \
  sk inspect --daemon-host "$DH" "docker-daemon:sha512:$(printf '%0128d' 0)"
fails_with "an image the daemon lacks is not found" "example.com/none:1" \
  sk inspect --daemon-host "$DH" docker-daemon:example.com/none:1
# "Does not exist" is exit status 2, by name and by image ID alike.
for missing in example.com/none:1 "sha256:$(printf '1%.0s' $(seq 64))"; do
  rc=0
  sk inspect --daemon-host "$DH" "docker-daemon:$missing" > /dev/null 2>&1 || rc=$?
  [ "$rc" -eq 2 ] || fail "inspect docker-daemon:$missing: exit status $rc, expected 2"
  ok "a missing $missing exits 2"
done

# ---- docker-archive -> docker-daemon -> docker-archive ----------------------------------
step "docker-archive -> docker-daemon -> docker-archive"
run_ok "oci -> docker-archive" sk copy -q "oci:$TMP/src:v1" "docker-archive:$TMP/a.tar:x/a:1"
run_ok "docker-archive -> docker-daemon" sk copy -q --dest-daemon-host "$DH" \
  "docker-archive:$TMP/a.tar" docker-daemon:example.com/daemon/round:2
same_text "docker has the archive's config and diff IDs" "$src_config $src_diff_ids" \
  "$(docker_id_and_layers example.com/daemon/round:2)"
run_ok "docker-daemon -> docker-archive" sk copy -q --src-daemon-host "$DH" \
  docker-daemon:example.com/daemon/round:2 "docker-archive:$TMP/b.tar:x/b:1"
sk inspect --raw "docker-archive:$TMP/a.tar" > "$TMP/a.manifest"
sk inspect --raw "docker-archive:$TMP/b.tar" > "$TMP/b.manifest"
same_file "$TMP/a.manifest" "$TMP/b.manifest" "both archives describe the same image"
for diff_id in $(sed -n '2,$p' "$TMP/src.ids"); do
  same_text "layer ${diff_id:7:12} is the same tar" "${diff_id#sha256:}" \
    "$(member_sha256 "$TMP/b.tar" "${diff_id#sha256:}.tar")"
done

# ---- endpoints ------------------------------------------------------------------------
step "the daemon endpoint: flag, then DOCKER_HOST, then the default"
DOCKER_HOST=$DH run_ok "DOCKER_HOST alone" \
  sk inspect --raw --config docker-daemon:example.com/daemon/src:v1
DOCKER_HOST=unix://$TMP/nothing.sock run_ok "the flag wins over DOCKER_HOST" \
  sk inspect --raw --config --daemon-host "$DH" docker-daemon:example.com/daemon/src:v1
DOCKER_HOST=$DH fails_with "a flag naming no daemon is not overridden by DOCKER_HOST" \
  "$TMP/nothing.sock" sk inspect --daemon-host "unix://$TMP/nothing.sock" \
  docker-daemon:example.com/daemon/src:v1
if [ ! -e /var/run/docker.sock ]; then
  (unset DOCKER_HOST; fails_with "without flag and DOCKER_HOST, /var/run/docker.sock" \
     "unix:///var/run/docker.sock" sk inspect docker-daemon:example.com/daemon/src:v1)
fi
fails_with "a daemon that is not running" "is the daemon running" \
  sk copy -q --dest-daemon-host "unix://$TMP/nothing.sock" "oci:$TMP/src:v1" \
  docker-daemon:example.com/never:1
fails_with "an unknown endpoint scheme" "not supported" \
  sk inspect --daemon-host ssh://example.invalid docker-daemon:example.com/daemon/src:v1

step "tcp:// with TLS and --cert-dir"
run_ok "copy over TLS" sk copy -q --dest-daemon-host "$TLS_HOST" \
  --dest-cert-dir "$certs/client" "oci:$TMP/src:v1" docker-daemon:example.com/daemon/tls:1
same_text "the image arrived over TLS" "$src_config $src_diff_ids" \
  "$(docker_id_and_layers example.com/daemon/tls:1)"
run_ok "read over TLS" sk inspect --raw --config --daemon-host "$TLS_HOST" \
  --cert-dir "$certs/client" docker-daemon:example.com/daemon/tls:1
same_file "$TMP/daemon.config" "$TMP/last.out" "TLS reads the same config"
fails_with "without the CA and client certificate, TLS fails" "TLS" \
  sk inspect --daemon-host "$TLS_HOST" docker-daemon:example.com/daemon/tls:1

# ---- refusals and broken transfers ---------------------------------------------------------
step "the daemon refuses an image"
python3 "$HERE/make-image.py" "$TMP/win" w --os windows --label windows > /dev/null
fails_with "a windows image is refused, with the daemon's reason" "refused the image" \
  sk copy -q --dest-daemon-host "$DH" "oci:$TMP/win:w" docker-daemon:example.com/daemon/win:1
grep -q windows "$TMP/last.err" || fail "the error does not give dockerd's reason"
! dk image inspect example.com/daemon/win:1 > /dev/null 2>&1 || fail "the refused image exists"
ok "nothing was loaded"

step "a copy that fails half-way loads nothing"
python3 "$HERE/make-image.py" "$TMP/bad" b --layers 3 --compression none --label bad > /dev/null
bad_layer=$(json_get "$TMP/bad/blobs/sha256/$(json_get "$TMP/bad/index.json" \
  'd["manifests"][0]["digest"][7:]')" 'd["layers"][2]["digest"][7:]')
printf 'X' | dd of="$TMP/bad/blobs/sha256/$bad_layer" bs=1 seek=600 conv=notrunc 2>/dev/null
fails_with "a corrupt layer fails the copy" "digest" \
  sk copy -q --dest-daemon-host "$DH" "oci:$TMP/bad:b" docker-daemon:example.com/daemon/bad:1
! dk image inspect example.com/daemon/bad:1 > /dev/null 2>&1 || fail "the aborted image exists"
ok "the aborted upload loaded nothing"

step "a daemon that misbehaves (fake daemon)"
for mode in truncate-export drop-load refuse-load error-stream; do
  python3 "$HERE/fake-daemon.py" "$TMP/fake.sock" "$mode" "$TMP/saved.tar" \
    2> "$TMP/fake-$mode.log" &
  FAKE_PID=$!
  for i in $(seq 1 50); do [ -S "$TMP/fake.sock" ] && break; sleep 0.1; done
  case $mode in
    truncate-export)
      fails_with "an export cut short is an error" "stopped sending it after" \
        sk copy -q --src-daemon-host "unix://$TMP/fake.sock" docker-daemon:x/y:1 \
        "oci:$TMP/never-$mode:x"
      [ ! -e "$TMP/never-$mode" ] || fail "the cut export wrote a destination"
      ;;
    drop-load)
      fails_with "a load dropped mid-stream is an error" "broke off the connection" \
        sk copy -q --dest-daemon-host "unix://$TMP/fake.sock" "oci:$TMP/src:v1" \
        docker-daemon:x/y:1
      ;;
    refuse-load)
      fails_with "an HTTP error from the load is reported" "this daemon refuses every image" \
        sk copy -q --dest-daemon-host "unix://$TMP/fake.sock" "oci:$TMP/src:v1" \
        docker-daemon:x/y:1
      ;;
    error-stream)
      fails_with "an error in the load's progress stream is reported" "no thanks" \
        sk copy -q --dest-daemon-host "unix://$TMP/fake.sock" "oci:$TMP/src:v1" \
        docker-daemon:x/y:1
      ;;
  esac
  stop_fake
  rm -f "$TMP/fake.sock"
done
leftovers=$(find "$TMP" -maxdepth 1 -name 'skopos-docker-*' | wc -l)
same_text "no exported image is left in the temporary folder" 0 "$leftovers"

# ---- podman's API service --------------------------------------------------------------------
step "podman system service speaks the same API"
start_podman_service
PH=unix://$PODMAN_SOCK
run_ok "oci -> podman service" sk copy -q --dest-daemon-host "$PH" "oci:$TMP/src:v1" \
  docker-daemon:example.com/daemon/podman:1
same_text "podman has the config digest" "${src_config#sha256:}" \
  "$(pm image inspect --format '{{.Id}}' example.com/daemon/podman:1)"
run_ok "podman service -> docker-archive" sk copy -q --src-daemon-host "$PH" \
  docker-daemon:example.com/daemon/podman:1 "docker-archive:$TMP/p.tar:x/p:1"
sk inspect --raw "docker-archive:$TMP/p.tar" > "$TMP/p.manifest"
same_file "$TMP/a.manifest" "$TMP/p.manifest" "podman gives back the same image"
sk inspect --raw --config --daemon-host "$PH" docker-daemon:example.com/daemon/podman:1 \
  > "$TMP/podman.config"
skopeo_ inspect --raw --config --daemon-host "$PH" docker-daemon:example.com/daemon/podman:1 \
  > "$TMP/podman-skopeo.config"
same_file "$TMP/podman-skopeo.config" "$TMP/podman.config" \
  "skopos and skopeo read the same config from podman"
stop_podman_service

# ---- zstd -------------------------------------------------------------------------------
step "an image with a zstd layer"
python3 "$HERE/make-image.py" "$TMP/zstd" z --layers 2 --compression zstd --label zstd \
  > "$TMP/zstd.ids"
run_ok "oci (zstd) -> docker-daemon" sk copy -q --dest-daemon-host "$DH" "oci:$TMP/zstd:z" \
  docker-daemon:example.com/daemon/zstd:1
same_text "docker has the zstd image's config and diff IDs" \
  "$(sed -n 1p "$TMP/zstd.ids") $(sed -n '2,$p' "$TMP/zstd.ids" | python3 -c 'import json, sys
print(json.dumps(sys.stdin.read().split(), separators=(",", ":")))')" \
  "$(docker_id_and_layers example.com/daemon/zstd:1)"
