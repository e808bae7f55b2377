#!/usr/bin/env bash
# Out of core against warm (issue 27): `jcolz bench` per read mode at 1 and 2 workers on each
# dataset given, once confined to a cgroup v1 memory limit with the page cache dropped first (out
# of core: the cgroup's page cache is charged to it and reclaimed at the limit), once with no limit
# and the page cache hot (warm), back to back. Needs root and the cgroup v1 memory controller at
# /sys/fs/cgroup/memory; skips with a message (exit 0) where either is missing. Never run in CI:
# it drops the machine's page cache.
#
#   bench/out-of-core.sh DS [DS...]
#
# Environment: LIMIT (memory limit in bytes, default 3 GiB; make each dataset >= 4x it for the
# issue's goals), MODES ("map populate pread direct"), WORKERS ("1 2"), SECONDS_PER_RUN (20),
# READ_AHEAD (chunks read ahead, passed as --read-ahead; several values are measured one after the
# other, e.g. "0 6"; default: the loader's default, 3 per worker).
# Output: $OUT (default /tmp/jcolz-ooc/runs.jsonl): one `jcolz bench --json` object per run plus
# "kind" (cold|warm) and "dataset"; then a table: images/s out of core and warm, their ratio,
# storage bytes read per dataset byte and worker-seconds waiting for reads in the out-of-core run.
# Example (quiet machine): java -jar bench/target/jcolz-bench.jar make-dataset /data/raw 80000 224 11000
#   then: LIMIT=$((3<<30)) bench/out-of-core.sh /data/raw /data/jpeg
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 1 ] || { echo "usage: bench/out-of-core.sh DS [DS...]" >&2; exit 2; }
cg=/sys/fs/cgroup/memory
if [ "$(id -u)" != 0 ] || [ ! -w "$cg" ] || [ ! -f "$cg/memory.limit_in_bytes" ]; then
  echo "out-of-core.sh: skipped: needs root and the cgroup v1 memory controller at $cg" >&2
  exit 0
fi
limit="${LIMIT:-$((3 << 30))}"
modes=(${MODES:-map populate pread direct})
workers=(${WORKERS:-1 2})
seconds="${SECONDS_PER_RUN:-20}"
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
    line=$(sh -c "echo \$\$ > $group/cgroup.procs && exec \"$root/jcolz\" bench \"$ds\" --read-mode $mode --workers $n $extra --seconds $seconds --json" | tail -1)
  else
    line=$("$root/jcolz" bench "$ds" --read-mode "$mode" --workers "$n" $extra --seconds "$seconds" --json | tail -1)
  fi
  python3 -c 'import json,sys; j=json.loads(sys.argv[1]); j["kind"]=sys.argv[2]; print(json.dumps(j))' "$line" "$kind" >> "$out"
}

for ds in "$@"; do
  for mode in "${modes[@]}"; do
    for n in "${workers[@]}"; do
      for ahead in "${aheads[@]}"; do
        run cold "$ds" "$mode" "$n" "$ahead"
        run warm "$ds" "$mode" "$n" "$ahead"
      done
    done
  done
done

python3 - "$out" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
print(f"{'dataset':30} {'mode':8} {'workers':>7} {'ahead':>5} {'cold img/s':>11} {'warm img/s':>11} {'ratio':>6} {'read/ds':>8} {'rd wait s':>9} {'ooc':>4}")
for c, w in zip(runs[0::2], runs[1::2]):
    ratio = c["images_per_s"] / w["images_per_s"] if w["images_per_s"] else float("nan")
    per = c["storage_read_bytes"] / c["dataset_bytes"] if c["storage_read_bytes"] >= 0 else float("nan")
    print(f"{c['dataset'][-30:]:30} {c['read_mode']:8} {c.get('threads', c.get('workers', '?')):>7} "
          f"{c.get('read_ahead', '?'):>5} {c['images_per_s']:11.0f} {w['images_per_s']:11.0f} {ratio:6.2f} "
          f"{per:8.2f} {c.get('read_wait_s', float('nan')):9.2f} {str(c['out_of_core']):>4}")
PY
