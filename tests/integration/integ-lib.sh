# integ-lib.sh: helpers shared by the integration scripts (sourced, never run alone).
#
# Sets up: strict mode, a private temporary folder $TMP removed on exit, a policy.json
# that accepts anything ($POLICY), and the sk / skopeo_ wrappers that always use it, so
# no test reads the machine's own policy. Every check prints what it checks first and
# the script stops at the first failure with a message that says what differed.
#
# Environment (set by tests/meson.build): SKOPOS, SKOPOS_SOURCE_DIR, SKOPOS_BUILD_DIR,
# SKOPOS_TRANSPORT_PATH, SKOPOS_TRANSPORT_DIR.

set -euo pipefail

: "${SKOPOS:?SKOPOS must name the skopos CLI to test}"
: "${SKOPOS_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export SKOPOS SKOPOS_SOURCE_DIR

DATA=$SKOPOS_SOURCE_DIR/tests/data
# shellcheck disable=SC2034  # used by the scripts that source this file
SAMPLE=$DATA/sample-oci
# shellcheck disable=SC2034
SAMPLE_INDEX=$DATA/sample-index-oci
HELPER=$SKOPOS_SOURCE_DIR/tests/integration/image-digests.py

TMP=$(mktemp -d "${TMPDIR:-/tmp}/skopos-integ.XXXXXX")
_integ_cleanup ()
{
  local rc=$?
  rm -rf "$TMP"
  exit "$rc"
}
trap _integ_cleanup EXIT

POLICY=$TMP/policy.json
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' > "$POLICY"

# Neither tool may read the user's configuration or leave files in $HOME.
export HOME=$TMP/home
mkdir -p "$HOME"
export TMPDIR=$TMP
unset REGISTRY_AUTH_FILE CONTAINERS_REGISTRIES_CONF CONTAINERS_POLICY_JSON || true

sk ()
{
  "$SKOPOS" --policy "$POLICY" "$@"
}

skopeo_ ()
{
  skopeo --policy "$POLICY" "$@"
}

fail ()
{
  echo "FAIL: $*" >&2
  exit 1
}

step ()
{
  echo "--- $*"
}

ok ()
{
  echo "ok: $*"
}

need ()
{
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || fail "this test needs '$t' (install its Debian package)"
  done
}

# run_ok DESCRIPTION CMD...: runs CMD, fails the test (with its stderr) if it fails.
run_ok ()
{
  local what=$1
  shift
  if ! "$@" > "$TMP/last.out" 2> "$TMP/last.err"; then
    echo "command: $*" >&2
    sed 's/^/  stderr: /' "$TMP/last.err" >&2
    fail "$what"
  fi
}

# same_file A B WHAT: byte-for-byte equality, with a diff on failure.
same_file ()
{
  if ! cmp -s "$1" "$2"; then
    diff -u "$1" "$2" | head -40 >&2 || true
    fail "$3: $1 and $2 differ"
  fi
  ok "$3"
}

# same_text WHAT A B: two strings must be equal.
same_text ()
{
  if [ "$2" != "$3" ]; then
    printf '  expected: %s\n  actual:   %s\n' "$2" "$3" >&2
    fail "$1"
  fi
  ok "$1"
}

# digests KIND PATH [REF]: the digest list of an image (see image-digests.py); also
# checks that every blob it names is present with the bytes its digest states.
digests ()
{
  python3 "$HELPER" "$@"
}

# tree_sum DIR: one line per file (path, mode, sha256) and per folder, to compare a
# folder before and after something that must not touch it.
tree_sum ()
{
  (cd "$1" && find . -printf '%p %y %m %s\n' | LC_ALL=C sort &&
     find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}
