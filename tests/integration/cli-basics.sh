#!/bin/bash
# cli-basics.sh: the command line itself behaves as skopeo's does: help and version,
# flag syntax (--flag value, --flag=value, --bool=false, short and grouped flags, "--",
# flags after arguments), usage errors and their exit status, unknown commands and
# transports, commands and flags skopos does not have yet (a clear error, never a
# silent success), progress on stderr (not stdout) and -q, --digestfile, --debug,
# --override-arch, --command-timeout, and exit status 2 for a missing image.
source "$(dirname "$0")/integ-lib.sh"
need python3

IMG=oci:$SAMPLE:latest

# fails_with WHAT RC NEEDLE CMD...: CMD exits with RC, prints nothing on stdout, and
# its stderr starts with one "skopos: " line containing NEEDLE.
fails_with ()
{
  local what=$1 want_rc=$2 needle=$3 rc=0
  shift 3
  "$@" > "$TMP/out" 2> "$TMP/err" || rc=$?
  if [ "$rc" -ne "$want_rc" ]; then
    sed 's/^/  stderr: /' "$TMP/err" >&2
    fail "$what: exit status $rc, expected $want_rc (command: $*)"
  fi
  [ ! -s "$TMP/out" ] || fail "$what: printed on stdout: $(head -c 200 "$TMP/out")"
  head -n 1 "$TMP/err" | grep -q '^skopos: ' || fail "$what: stderr does not start with 'skopos: '"
  grep -qF -- "$needle" "$TMP/err" || {
    sed 's/^/  stderr: /' "$TMP/err" >&2
    fail "$what: stderr does not mention '$needle'"
  }
  ok "$what: $(head -n 1 "$TMP/err")"
}

# one_line: the last failure printed exactly one line on stderr.
one_line ()
{
  local n
  n=$(wc -l < "$TMP/err")
  [ "$n" -eq 1 ] || { cat "$TMP/err" >&2; fail "$1: $n lines on stderr, expected 1"; }
}

step "version and help"
out=$("$SKOPOS" --version)
[[ $out =~ ^skopos\ version\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version printed '$out'"
same_text "-v is --version" "$out" "$("$SKOPOS" -v)"
if command -v skopeo > /dev/null; then
  [[ $(skopeo --version) =~ ^skopeo\ version\  ]] || fail "skopeo's --version changed its form"
  ok "same form as skopeo: $out / $(skopeo --version)"
fi
for args in "--help" "-h" "help" "help copy" "copy --help" "inspect -h" "delete --help" \
            "manifest-digest --help" "transports --help" "copy --dest-creds x --help"; do
  # shellcheck disable=SC2086
  run_ok "skopos $args" "$SKOPOS" $args
  grep -q '^Usage:' "$TMP/last.out" || fail "skopos $args: no Usage: on stdout"
  [ ! -s "$TMP/last.err" ] || fail "skopos $args: wrote on stderr"
done
ok "help on stdout, exit 0"
"$SKOPOS" copy --help > "$TMP/help"
for flag in --src-tls-verify --dest-tls-verify --src-creds --dest-creds --authfile --all \
            --multi-arch --digestfile --preserve-digests --remove-signatures --quiet \
            --retry-times --dest-compress --dest-decompress --src-shared-blob-dir \
            --dest-oci-accept-uncompressed-layers --additional-tag --format; do
  grep -q -- "$flag" "$TMP/help" || fail "copy --help does not list $flag"
done
ok "copy --help lists skopeo's flags"
"$SKOPOS" --help > "$TMP/help"
for cmd in copy delete inspect manifest-digest transports help; do
  grep -q "^  $cmd " "$TMP/help" || fail "--help does not list $cmd"
done
ok "--help lists the commands"
run_ok "help for an unknown topic still succeeds, as cobra" "$SKOPOS" help nosuch
grep -q 'Unknown help topic' "$TMP/last.out" || fail "help nosuch: no 'Unknown help topic'"

step "usage errors"
fails_with "no command" 1 "missing command" "$SKOPOS"
fails_with "unknown command" 1 "unrecognized command \`skopos bogus\`" "$SKOPOS" bogus
fails_with "misspelt command" 1 "unrecognized command" "$SKOPOS" copp
grep -q '^	copy$' "$TMP/err" || fail "copp: no 'Did you mean' suggestion of copy"
fails_with "unknown global flag" 1 "unknown flag: --bogus" "$SKOPOS" --bogus inspect "$IMG"
fails_with "unknown command flag" 1 "unknown flag: --bogus" "$SKOPOS" inspect --bogus "$IMG"
grep -q "skopos inspect --help" "$TMP/err" || fail "no hint to use --help"
fails_with "unknown shorthand" 1 "unknown shorthand flag: 'x' in -x" "$SKOPOS" inspect -x "$IMG"
fails_with "missing flag value" 1 "flag needs an argument: --format" \
  "$SKOPOS" inspect "$IMG" --format
fails_with "missing shorthand value" 1 "flag needs an argument: 'f' in -f" \
  "$SKOPOS" inspect "$IMG" -f
fails_with "bad boolean" 1 'invalid argument "maybe" for "--tls-verify" flag' \
  "$SKOPOS" inspect --tls-verify=maybe "$IMG"
fails_with "bad integer" 1 'invalid argument "abc" for "--retry-times" flag' \
  "$SKOPOS" inspect --retry-times abc "$IMG"
fails_with "bad duration" 1 'time: unknown unit "x" in duration "5x"' \
  "$SKOPOS" --command-timeout 5x inspect "$IMG"
fails_with "bad flag syntax" 1 "bad flag syntax: ---x" "$SKOPOS" inspect ---x "$IMG"
fails_with "inspect with two images" 1 "Exactly one argument expected" \
  "$SKOPOS" inspect "$IMG" "$IMG"
fails_with "raw with format" 1 "raw output does not support format option" \
  "$SKOPOS" inspect --raw --format '{{.Digest}}' "$IMG"
"$SKOPOS" copy "$IMG" > "$TMP/out" 2> "$TMP/err" && fail "copy with one argument succeeded"
[ ! -s "$TMP/out" ] || fail "copy with one argument printed on stdout"
grep -q '^Usage:' "$TMP/err" || fail "copy with one argument: no usage on stderr"
grep -q '^skopos: Exactly two arguments expected' "$TMP/err" || fail "copy: no error line"
ok "copy with one argument: usage and error on stderr"
fails_with "creds with no-creds" 1 "creds and no-creds cannot be specified at the same time" \
  "$SKOPOS" inspect --creds a:b --no-creds "$IMG"
fails_with "username without password" 1 "password must be specified when username is" \
  "$SKOPOS" inspect --username a "$IMG"
fails_with "empty creds" 1 "credentials can't be empty" "$SKOPOS" inspect --creds "" "$IMG"
fails_with "all with multi-arch" 1 "Cannot use --all and --multi-arch flags together" \
  sk copy --all --multi-arch all "$IMG" "dir:$TMP/never"
fails_with "bad multi-arch" 1 "unknown multi-arch option \"some\"" \
  sk copy --multi-arch some "$IMG" "dir:$TMP/never"
fails_with "bad format" 1 "unknown format \"v3\"" sk copy -f v3 "$IMG" "dir:$TMP/never"
fails_with "untagged additional tag" 1 "must be a tagged reference" \
  sk copy --additional-tag busybox "$IMG" "dir:$TMP/never"
[ ! -e "$TMP/never" ] || fail "a refused copy created its destination"
if command -v skopeo > /dev/null; then
  # shellcheck disable=SC2086 # $args holds several words on purpose
  for args in "--bogus" "bogus" "inspect --bogus x" "inspect -x" "inspect --format" \
              "inspect --tls-verify=maybe x" "inspect a b" "--command-timeout 5x inspect a"; do
    rc_skopeo=0
    skopeo $args > /dev/null 2>&1 || rc_skopeo=$?
    rc_skopos=0
    "$SKOPOS" $args > /dev/null 2>&1 || rc_skopos=$?
    same_text "exit status of '$args' as skopeo's" "$rc_skopeo" "$rc_skopos"
  done
fi

step "commands and flags skopos does not have yet"
for cmd in sync standalone-sign standalone-verify generate-sigstore-key; do
  fails_with "$cmd" 1 "not supported yet" "$SKOPOS" "$cmd" a b
  one_line "$cmd"
done
for flag in "--sign-by ABCD" "--sign-by-sigstore-private-key /k" "--sign-passphrase-file /p" \
            "--encryption-key jwe:/k" "--decryption-key /k" "--encrypt-layer 0" \
            "--sign-identity x/y:z" "--dest-compress-format zstd:chunked"; do
  # shellcheck disable=SC2086
  fails_with "copy $flag" 1 "not supported yet" sk copy $flag "$IMG" "dir:$TMP/never"
  one_line "copy $flag"
done
[ ! -e "$TMP/never" ] || fail "a refused copy created its destination"
fails_with "force format without a format" 1 "needs --dest-compress-format" \
  sk copy --dest-force-compress-format "$IMG" "dir:$TMP/never"
fails_with "unknown compression" 1 "unknown compression algorithm lz4" \
  sk copy --dest-compress-format lz4 "$IMG" "dir:$TMP/never"
[ ! -e "$TMP/never" ] || fail "a refused copy created its destination"
fails_with "global --require-signed" 1 "not supported yet" "$SKOPOS" --require-signed inspect "$IMG"

step "flag syntax"
run_ok "inspect" "$SKOPOS" inspect "$IMG"
cp "$TMP/last.out" "$TMP/default.json"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/default.json" ||
  fail "inspect did not print JSON"
for args in "--raw=false $IMG" "--raw=0 $IMG" "$IMG --raw=False" "--format json $IMG" \
            "--format={{json.}} $IMG" "-f json $IMG" "-fjson $IMG" "-f=json $IMG" \
            "--tls-verify=false $IMG" "--tls-verify $IMG" "--no-tags=true $IMG" "-n $IMG" \
            "-- $IMG" "--debug=false $IMG" "--retry-times=0x2 $IMG" "--retry-times 1_0 $IMG"; do
  # shellcheck disable=SC2086
  run_ok "inspect $args" "$SKOPOS" inspect $args
  same_file "$TMP/default.json" "$TMP/last.out" "inspect $args prints the default output"
done
run_ok "global flags after the command" "$SKOPOS" inspect --debug=false --tmpdir "$TMP" "$IMG"
same_file "$TMP/default.json" "$TMP/last.out" "global flags after the command name"
run_ok "--raw" "$SKOPOS" inspect "$IMG" --raw=true
cmp -s "$TMP/last.out" "$TMP/default.json" && fail "--raw=true printed the default output"
ok "--raw=true is not --raw=false"
# A value flag takes the next argument even if it looks like a flag (pflag's rule).
run_ok "value that starts with a dash" "$SKOPOS" inspect --format --raw "$IMG"
same_text "--format --raw uses '--raw' as the template" "--raw" "$(cat "$TMP/last.out")"
run_ok "format with \\n and \\t" \
  "$SKOPOS" inspect --format 'A:{{.Architecture}}\tO:{{.Os}}\n' "$IMG"
same_text "template escapes" "$(printf 'A:amd64\tO:linux')" "$(cat "$TMP/last.out")"
fails_with "template error" 1 "can't evaluate field Nope" "$SKOPOS" inspect -f '{{.Nope}}' "$IMG"
fails_with "unsupported template" 1 "not supported" \
  "$SKOPOS" inspect -f '{{printf "%s" .Os}}' "$IMG"

step "images that do not exist, unknown transports"
fails_with "missing tag" 2 "nosuchtag" "$SKOPOS" inspect "oci:$SAMPLE:nosuchtag"
one_line "missing tag"
fails_with "unknown transport" 1 "nosuchtransport" "$SKOPOS" inspect nosuchtransport:x
one_line "unknown transport"
fails_with "no transport at all" 1 "" "$SKOPOS" inspect just-a-name
fails_with "copy of a missing image" 2 "nosuchtag" sk copy "oci:$SAMPLE:nosuchtag" "dir:$TMP/d0"
[ ! -e "$TMP/d0" ] || fail "a failed copy left $TMP/d0 behind"
ok "no folder left after a failed copy"
fails_with "missing manifest file" 1 "Error reading manifest from" \
  "$SKOPOS" manifest-digest "$TMP/nonexistent"

step "copy: progress on stderr, -q, --digestfile"
run_ok "copy" sk copy --digestfile "$TMP/digest" "$IMG" "dir:$TMP/d1"
[ ! -s "$TMP/last.out" ] || fail "copy printed on stdout: $(cat "$TMP/last.out")"
for line in "Getting image source signatures" "Copying blob sha256:" "Copying config sha256:" \
            "Writing manifest to image destination"; do
  grep -q "^$line" "$TMP/last.err" || fail "copy progress lacks '$line'"
done
ok "progress lines on stderr, nothing on stdout"
want=$("$SKOPOS" manifest-digest "$TMP/d1/manifest.json")
same_text "--digestfile holds the manifest digest" "$want" "$(cat "$TMP/digest")"
same_text "digest of the copy is sha256 of manifest.json" \
  "sha256:$(sha256sum < "$TMP/d1/manifest.json" | cut -d' ' -f1)" "$want"
run_ok "copy -q" sk copy -q "$IMG" "dir:$TMP/d2"
if [ -s "$TMP/last.out" ] || [ -s "$TMP/last.err" ]; then
  fail "copy -q printed something"
fi
ok "copy -q is silent"
run_ok "copy --quiet=false -a" sk copy --quiet=false -a "oci:$SAMPLE_INDEX:latest" "oci:$TMP/o1:all"
grep -q '^Copying image sha256:.* (1/2)$' "$TMP/last.err" || fail "no 'Copying image ... (1/2)'"
ok "copy --all names each instance"
run_ok "grouped shorthands -qa" sk copy -qa "oci:$SAMPLE_INDEX:latest" "oci:$TMP/o2:all"
[ ! -s "$TMP/last.err" ] || fail "-qa was not quiet"
run_ok "inspect the copy" "$SKOPOS" inspect --raw "oci:$TMP/o2:all"
same_file "$SAMPLE_INDEX/blobs/sha256/$(python3 -c '
import json,sys
print(json.load(open(sys.argv[1]))["manifests"][0]["digest"].split(":")[1])' \
  "$SAMPLE_INDEX/index.json")" "$TMP/last.out" "-qa copied the whole index"

step "--debug, --override-arch, policies"
run_ok "--debug" "$SKOPOS" --debug inspect "$IMG"
same_file "$TMP/default.json" "$TMP/last.out" "--debug leaves stdout alone"
grep -q '^debug: ' "$TMP/last.err" || fail "--debug printed no debug line on stderr"
ok "--debug writes on stderr"
run_ok "no --debug" "$SKOPOS" inspect "$IMG"
[ ! -s "$TMP/last.err" ] || fail "inspect without --debug wrote on stderr"
run_ok "--override-arch arm64" "$SKOPOS" --override-arch arm64 inspect -f '{{.Architecture}}' \
  "oci:$SAMPLE_INDEX:latest"
same_text "the arm64 instance is chosen" "arm64" "$(cat "$TMP/last.out")"
run_ok "--override-arch after the command" "$SKOPOS" inspect --override-arch=amd64 \
  -f '{{.Architecture}}' "oci:$SAMPLE_INDEX:latest"
same_text "the amd64 instance is chosen" "amd64" "$(cat "$TMP/last.out")"
fails_with "missing policy file" 1 "Error loading trust policy" \
  "$SKOPOS" --policy "$TMP/nonexistent.json" copy "$IMG" "dir:$TMP/d3"
printf '{"default":[{"type":"reject"}]}\n' > "$TMP/reject.json"
rc=0; "$SKOPOS" --policy "$TMP/reject.json" copy "$IMG" "dir:$TMP/d3" 2> "$TMP/err" || rc=$?
[ "$rc" -eq 1 ] || fail "a rejecting policy: exit status $rc, expected 1"
[ ! -e "$TMP/d3" ] || fail "a rejected copy left $TMP/d3"
run_ok "--insecure-policy overrides a rejecting policy" \
  "$SKOPOS" --policy "$TMP/reject.json" --insecure-policy copy -q "$IMG" "dir:$TMP/d3"
ok "policies are applied"

step "transports"
run_ok "transports" "$SKOPOS" transports
grep -q '^oci ' "$TMP/last.out" || fail "transports does not list oci"
run_ok "transports --format json" "$SKOPOS" transports --format json
python3 - "$TMP/last.out" <<'EOF' || fail "transports --format json"
import json, sys
data = json.load(open(sys.argv[1]))
names = [t["Name"] for t in data["Transports"]]
assert "oci" in names and "dir" in names, names
for t in data["Transports"]:
    assert t["Path"].endswith(".so") and t["Version"] and isinstance(t["Capabilities"], list), t
assert isinstance(data["Failures"], list)
EOF
ok "transports --format json lists oci and dir with their details"

step "--command-timeout"
cp -r "$SAMPLE" "$TMP/slow"
# A FIFO in place of the manifest: reading it blocks forever, and cannot be cancelled.
manifest=$(python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["manifests"][0]["digest"].split(":")[1])' "$SAMPLE/index.json")
rm "$TMP/slow/blobs/sha256/$manifest"
mkfifo "$TMP/slow/blobs/sha256/$manifest"
start=$(date +%s)
fails_with "a blocked copy is stopped" 1 "timed out after 1s" \
  timeout 30 "$SKOPOS" --command-timeout 1s --policy "$POLICY" copy "oci:$TMP/slow:latest" \
  "dir:$TMP/d4"
elapsed=$(( $(date +%s) - start ))
[ "$elapsed" -lt 20 ] || fail "the timeout took ${elapsed}s"
ok "stopped after ${elapsed}s"

echo "cli-basics: all checks passed"
