# docker/lib.sh: a private Docker Engine and podman API service for the docker-archive
# and docker-daemon tests (sourced after integ-lib.sh, never run alone).
#
# start_dockerd runs Debian's dockerd on a socket, data root and exec root inside
# $TMP, with the vfs storage driver and no networking of its own (no iptables, no
# bridge, no IP forwarding or masquerading), so it touches nothing outside $TMP.
# start_podman_service does the same for `podman system service` (podman 4.3 running as
# root still creates its empty network run folder, /run/containers/networks, which no
# flag moves). Both run under timeout(1) and are stopped by PID when the script exits,
# whatever happens.

DOCKER_BIN=/usr/bin/docker # /usr/local/bin/docker is a newer client on these machines
DOCKERD_SOCK=$TMP/docker.sock
DOCKERD_PID=
DOCKERD_TIMEOUT_PID=
PODMAN_SOCK=$TMP/podman.sock
PODMAN_TIMEOUT_PID=
DAEMON_LIFETIME=${DAEMON_LIFETIME:-1200}

_stop_pid ()
{
  local pid=$1 i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
}

stop_dockerd ()
{
  [ -f "$TMP/docker.pid" ] && DOCKERD_PID=$(cat "$TMP/docker.pid")
  _stop_pid "$DOCKERD_PID"
  _stop_pid "$DOCKERD_TIMEOUT_PID"
  DOCKERD_PID=
  DOCKERD_TIMEOUT_PID=
}

stop_podman_service ()
{
  _stop_pid "$PODMAN_TIMEOUT_PID"
  PODMAN_TIMEOUT_PID=
}

# _docker_cleanup [RC]: stops everything and exits with RC (default: the last status).
_docker_cleanup ()
{
  local rc=${1:-$?}
  set +e
  stop_podman_service
  stop_dockerd
  rm -rf "$TMP" 2>/dev/null || true
  exit "$rc"
}
trap _docker_cleanup EXIT

dk ()
{
  "$DOCKER_BIN" -H "unix://$DOCKERD_SOCK" "$@"
}

pm ()
{
  podman --root "$TMP/podman/root" --runroot "$TMP/podman/run" --tmpdir "$TMP/podman/tmp" \
    --storage-driver vfs --cgroup-manager cgroupfs --events-backend none "$@"
}

# start_dockerd [EXTRA DOCKERD FLAGS...]
start_dockerd ()
{
  need dockerd "$DOCKER_BIN"
  [ "$(id -u)" = 0 ] || fail "dockerd needs root; run this test as root"
  mkdir -p "$TMP/docker"
  printf '{}\n' > "$TMP/docker/daemon.json"
  timeout --signal=TERM "$DAEMON_LIFETIME" dockerd \
    --config-file "$TMP/docker/daemon.json" \
    --host "unix://$DOCKERD_SOCK" --data-root "$TMP/docker/data" \
    --exec-root "$TMP/docker/exec" --pidfile "$TMP/docker.pid" \
    --storage-driver vfs --iptables=false --ip6tables=false --ip-forward=false \
    --ip-masq=false --ipv6=false --bridge=none "$@" > "$TMP/dockerd.log" 2>&1 &
  DOCKERD_TIMEOUT_PID=$!

  local i
  for i in $(seq 1 150); do
    if dk version > /dev/null 2>&1; then
      DOCKERD_PID=$(cat "$TMP/docker.pid")
      ok "dockerd is up (pid $DOCKERD_PID)"
      return 0
    fi
    kill -0 "$DOCKERD_TIMEOUT_PID" 2>/dev/null || break
    sleep 0.2
  done
  tail -20 "$TMP/dockerd.log" >&2
  fail "dockerd did not start"
}

start_podman_service ()
{
  need podman
  mkdir -p "$TMP/podman/tmp"
  timeout --signal=TERM "$DAEMON_LIFETIME" podman --root "$TMP/podman/root" \
    --runroot "$TMP/podman/run" --tmpdir "$TMP/podman/tmp" --storage-driver vfs \
    --cgroup-manager cgroupfs --events-backend none \
    system service --time=0 "unix://$PODMAN_SOCK" > "$TMP/podman.log" 2>&1 &
  PODMAN_TIMEOUT_PID=$!

  local i
  for i in $(seq 1 150); do
    if python3 - "$PODMAN_SOCK" 2>/dev/null <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
sys.exit(0 if s.recv(100).startswith(b"HTTP/1.") else 1)
EOF
    then
      ok "podman system service is up"
      return 0
    fi
    kill -0 "$PODMAN_TIMEOUT_PID" 2>/dev/null || break
    sleep 0.2
  done
  tail -20 "$TMP/podman.log" >&2
  fail "podman system service did not start"
}

# fails_with WHAT NEEDLE CMD...: CMD must fail, and its stderr must contain NEEDLE.
fails_with ()
{
  local what=$1 needle=$2
  shift 2
  if "$@" > "$TMP/last.out" 2> "$TMP/last.err"; then
    echo "command: $*" >&2
    fail "$what: the command succeeded"
  fi
  if ! grep -qF -- "$needle" "$TMP/last.err"; then
    echo "command: $*" >&2
    sed 's/^/  stderr: /' "$TMP/last.err" >&2
    fail "$what: the error does not say '$needle'"
  fi
  ok "$what"
}

# json_get FILE EXPR: a value from a JSON file, with a Python expression on `d`.
json_get ()
{
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))' "$1" "$2"
}

# member_sha256 ARCHIVE MEMBER: the sha256 of one member of a tar archive.
member_sha256 ()
{
  tar -xOf "$1" "$2" | sha256sum | cut -d' ' -f1
}
