#!/usr/bin/env bash
# Out of core against warm (issue 27): `jcolz bench` per read mode at 1 and 2 workers on each
# dataset given, once confined to a cgroup v1 memory limit with the page cache dropped first (out
# of core: the cgroup's page cache is charged to it and reclaimed at the limit), once with no limit
# after reading the dataset's files into the page cache (warm: hot where the dataset fits in
# memory), back to back. Needs root and the cgroup v1 memory controller at
# /sys/fs/cgroup/memory; skips with a message (exit 0) where either is missing. Never run in CI:
# it drops the machine's page cache.
#
#   bench/out-of-core.sh DS [DS...]
#
# Environment: LIMIT (memory limit in bytes, default 3 GiB; make each dataset >= 4x it for the
# issue's goals), MODES ("auto map direct"; also populate, pread), WORKERS ("1 2"),
# SECONDS_PER_RUN (20), EPOCHS (instead of timed runs: stream exactly this many whole epochs from the
# start, so that the bytes read from storage are those of the epochs), READ_AHEAD (chunks read ahead,
# passed as --read-ahead; several values are measured one after the other, e.g. "0 6"; default: the
# loader's default, 3 per worker), WARM (1; 0 skips the warm runs).
# Output: $OUT (default /tmp/jcolz-ooc/runs.jsonl): one `jcolz bench --json` object per run plus
# "kind" (cold|warm); then a table per out-of-core run: images/s out of core and warm, their ratio,
# storage bytes read per dataset byte (and per epoch against the bytes of the columns read, with
# EPOCHS), worker-seconds waiting for reads, and the peak resident anonymous memory against the
# heap limit plus the loader's stated off-heap bound.
# Example (quiet machine): java -jar bench/target/jcolz-bench.jar make-dataset /data/raw 80000 224 11000
#   then: LIMIT=$((3<<30)) bench/out-of-core.sh /data/raw /data/jpeg
#         LIMIT=$((5<<29)) EPOCHS=1 WARM=0 MODES=auto bench/out-of-core.sh /data/raw
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 1 ] || { echo "usage: bench/out-of-core.sh DS [DS...]" >&2; exit 2; }
cg=/sys/fs/cgroup/memory
if [ "$(id -u)" != 0 ] || [ ! -w "$cg" ] || [ ! -f "$cg/memory.limit_in_bytes" ]; then
  echo "out-of-core.sh: skipped: needs root and the cgroup v1 memory controller at $cg" >&2
  exit 0
fi
limit="${LIMIT:-$((3 << 30))}"
modes=(${MODES:-auto map direct})
workers=(${WORKERS:-1 2})
seconds="${SECONDS_PER_RUN:-20}"
length="--seconds $seconds"
[ -z "${EPOCHS:-}" ] || length="--epochs $EPOCHS"
warm="${WARM:-1}"
aheads=(${READ_AHEAD:-default})
out="${OUT:-/tmp/jcolz-ooc/runs.jsonl}"
mkdir -p "$(dirname "$out")"
: > "$out"
group="$cg/jcolz-ooc"
mkdir -p "$group"
echo "$limit" > "$group/memory.limit_in_bytes"
trap 'rmdir "$group" 2>/dev/null || true' EXIT

run() { # kind ds mode workers read-ahead
  local kind=$1 ds=$2 mode=$3 n=$4 ahead=$5 line extra=""
  [ "$ahead" = default ] || extra="--read-ahead $ahead"
  if [ "$kind" = cold ]; then
    sync; echo 3 > /proc/sys/vm/drop_caches
    line=$(sh -c "echo \$\$ > $group/cgroup.procs && exec \"$root/jcolz\" bench \"$ds\" --read-mode $mode --workers $n $extra $length --json" | tail -1)
  else # hot: every file read into the page cache first (it all stays there when it fits)
    find "$ds" -type f -exec cat {} + > /dev/null
    line=$("$root/jcolz" bench "$ds" --read-mode "$mode" --workers "$n" $extra $length --json | tail -1)
  fi
  python3 -c 'import json,sys; j=json.loads(sys.argv[1]); j["kind"]=sys.argv[2]; print(json.dumps(j))' "$line" "$kind" >> "$out"
}

for ds in "$@"; do
  for mode in "${modes[@]}"; do
    for n in "${workers[@]}"; do
      for ahead in "${aheads[@]}"; do
        run cold "$ds" "$mode" "$n" "$ahead"
        [ "$warm" = 0 ] || run warm "$ds" "$mode" "$n" "$ahead"
      done
    done
  done
done

python3 - "$out" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
warm = {}
for r in runs:
    if r["kind"] == "warm":
        warm[(r["dataset"], r["read_mode_asked"], r["threads"], r["read_ahead"])] = r
mib = lambda b: b / 2**20
print(f"{'dataset':24} {'mode':13} {'wk':>2} {'ahead':>5} {'cold img/s':>10} {'warm img/s':>10} {'ratio':>5} "
      f"{'read/ds':>7} {'rd/ep/cols':>10} {'rd wait s':>9} {'ooc':>5} {'anon MiB':>8} {'heap+bound MiB':>14}")
for c in runs:
    if c["kind"] != "cold":
        continue
    w = warm.get((c["dataset"], c["read_mode_asked"], c["threads"], c["read_ahead"]))
    ratio = c["images_per_s"] / w["images_per_s"] if w and w["images_per_s"] else float("nan")
    nan = float("nan")
    per = c["storage_read_bytes"] / c["dataset_bytes"] if c["storage_read_bytes"] >= 0 else nan
    epoch = (c["storage_read_bytes"] / c["epochs"] / c["column_bytes"]
             if c["epochs"] and c["storage_read_bytes"] >= 0 else nan)
    mode = c["read_mode_asked"] + ("" if c["read_mode_asked"] == c["read_mode"] else "→" + c["read_mode"])
    print(f"{c['dataset'][-24:]:24} {mode:13} {c['threads']:>2} {c['read_ahead']:>5} "
          f"{c['images_per_s']:10.0f} {w['images_per_s'] if w else nan:10.0f} {ratio:5.2f} {per:7.3f} {epoch:10.4f} "
          f"{c['read_wait_s']:9.2f} {str(c['out_of_core']):>5} {mib(c['rss_anon_peak_bytes']):8.0f} "
          f"{mib(c['heap_max_bytes'] + c['bound_offheap_bytes']):14.0f}")
PY
