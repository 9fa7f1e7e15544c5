#!/bin/bash
# concurrent-oci.sh: several `skopos copy` processes writing different names into one
# OCI layout at the same time lose no index.json entry, and leave neither a lock file
# nor temporary files behind. Ten rounds, each in a fresh layout (the first writers
# race to create it), then a round that adds to an existing layout while another
# process deletes an image from it. Every name written must read back with all its
# blobs intact.
source "$(dirname "$0")/integ-lib.sh"
need jq python3

WRITERS=4
ROUNDS=10

# names_in LAYOUT: the ref.name annotations of index.json, sorted, one line.
names_in ()
{
  jq -r '[.manifests[].annotations["org.opencontainers.image.ref.name"] // "-"]
         | sort | join(" ")' "$1/index.json"
}

# check_clean LAYOUT: no lock file and no temporary file anywhere in the layout.
check_clean ()
{
  local stray
  stray=$(find "$1" \( -name 'index.json.lock' -o -name '.tmp-*' \) -print)
  [ -z "$stray" ] || fail "stray files left in $1: $stray"
}

# start_copies LAYOUT PREFIX: WRITERS copies of the sample image, each under its own
# name, all started at once; their pids go to $pids.
start_copies ()
{
  local layout=$1 prefix=$2 i
  pids=()
  for i in $(seq 1 "$WRITERS"); do
    sk copy "oci:$SAMPLE:latest" "oci:$layout:$prefix$i" \
      > "$TMP/copy-$i.out" 2> "$TMP/copy-$i.err" &
    pids+=("$!")
  done
}

# wait_copies: every writer must have succeeded.
wait_copies ()
{
  local i=1 pid
  for pid in "${pids[@]}"; do
    if ! wait "$pid"; then
      sed 's/^/  stderr: /' "$TMP/copy-$i.err" >&2
      fail "writer $i failed"
    fi
    i=$((i + 1))
  done
}

digests oci "$SAMPLE" latest > "$TMP/want"
want_names=$(for i in $(seq 1 "$WRITERS"); do echo "r$i"; done | LC_ALL=C sort | tr '\n' ' ')
want_names=${want_names% }

for round in $(seq 1 "$ROUNDS"); do
  step "round $round: $WRITERS writers create one layout"
  layout=$TMP/layout-$round
  start_copies "$layout" r
  wait_copies

  same_text "round $round: every name is in index.json" "$want_names" "$(names_in "$layout")"
  for i in $(seq 1 "$WRITERS"); do
    digests oci "$layout" "r$i" > "$TMP/got"
    cmp -s "$TMP/want" "$TMP/got" || fail "round $round: r$i does not read back as the sample"
  done
  check_clean "$layout"
  ok "round $round: all $WRITERS images read back, no stray files"
done

step "writers add to a layout while another process deletes from it"
layout=$TMP/shared
run_ok "seed: the index sample as 'victim'" sk copy --all "oci:$SAMPLE_INDEX:latest" \
  "oci:$layout:victim"
run_ok "seed: the sample as 'keep'" sk copy "oci:$SAMPLE:latest" "oci:$layout:keep"
start_copies "$layout" w
sk delete "oci:$layout:victim" > "$TMP/delete.out" 2> "$TMP/delete.err" &
delete_pid=$!
wait_copies
wait "$delete_pid" || { cat "$TMP/delete.err" >&2; fail "delete failed"; }

want=$(for n in keep $(seq -f 'w%g' 1 "$WRITERS"); do echo "$n"; done | LC_ALL=C sort | tr '\n' ' ')
same_text "entries after concurrent copies and delete" "${want% }" "$(names_in "$layout")"
for n in keep $(seq -f 'w%g' 1 "$WRITERS"); do
  digests oci "$layout" "$n" > "$TMP/got"
  cmp -s "$TMP/want" "$TMP/got" || fail "'$n' does not read back as the sample"
done
# The victim's blobs are gone: only the sample's four remain.
nblobs=$(find "$layout/blobs" -type f | wc -l)
same_text "only the sample's blobs remain" 4 "$nblobs"
check_clean "$layout"

echo "concurrent-oci: all checks passed"
