#!/usr/bin/env bash
# Loader scaling (issue 10): QUASI_RANDOM against SEQUENTIAL at 1 and N workers, on a raw and a jpeg
# dataset, each run `./jcolz bench DS --order O --workers N --seconds S --json` in its own JVM.
#
#   bench/loader-scaling.sh [RAW_DS [JPEG_DS]]
#
# Without datasets it makes them under $DIR (default /tmp/jcolz-scaling), once:
#   raw224   java -jar bench/target/jcolz-bench.jar make-dataset DIR/raw224 8192 224 11000
#            (8,192 synthetic photo-like 224 px images, 27 rows per chunk, 11,000 labels; 1.2 GB)
#   jpeg224  ./jcolz pack --input STAMPS --labels-from-dirs --size 224 --mode jpeg --quality 90
#            --chunk-rows 32 (25 chunks, so that a quasi-random window spans several)
#            (the stamps corpus: bench/corpora/fetch.sh; set STAMPS=DIR to use another folder)
# Environment: WORKERS ("1 2"; the first must be 1), SECONDS_PER_RUN (8), ROUNDS (3): each round
# runs every configuration once, configurations alternating, so slow spells of a shared machine
# hit all of them; the table shows medians over the rounds.
# Output: DIR/runs.jsonl (one bench JSON per run, plus "kind" and "round"), then the table:
#   images/s, mean worker busy fraction, worker-seconds waiting for another worker's chunk decode,
#   chunk decodes per chunk read, cores the workers got (worker CPU-seconds per second: below N the
#   machine lent the run fewer cores than workers, e.g. other tenants were busy), images per worker
#   CPU-second, and the goals' ratios QR_N / SEQ_N and QR_N / (N x QR_1).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${DIR:-/tmp/jcolz-scaling}"
workers=(${WORKERS:-1 2})
seconds="${SECONDS_PER_RUN:-8}"
rounds="${ROUNDS:-3}"
jdk="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
[ "${workers[0]}" = 1 ] || { echo "WORKERS must start with 1 (the ratios need QR_1)" >&2; exit 2; }
mkdir -p "$dir"

raw="${1:-}"
jpeg="${2:-}"
if [ -z "$raw" ]; then
  raw="$dir/raw224"
  if [ ! -d "$raw" ]; then
    (cd "$root" && JAVA_HOME="$jdk" mvn -B -q -DskipTests -pl bench -am package >&2)
    "$jdk/bin/java" @"$root/jvm.flags" -jar "$root/bench/target/jcolz-bench.jar" \
      make-dataset "$raw" 8192 224 11000 >&2
  fi
fi
if [ -z "$jpeg" ]; then
  jpeg="$dir/jpeg224"
  if [ ! -d "$jpeg" ]; then
    stamps="${STAMPS:-$("$root/bench/corpora/fetch.sh")/stamps}"
    "$root/jcolz" pack --input "$stamps" --labels-from-dirs --out "$jpeg" --size 224 \
      --mode jpeg --quality 90 --chunk-rows 32 >&2
  fi
fi

runs="$dir/runs.jsonl"
: > "$runs"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for round in $(seq 1 "$rounds"); do
  for kind in raw jpeg; do
    ds=$raw
    [ "$kind" = jpeg ] && ds=$jpeg
    for n in "${workers[@]}"; do
      for order in QUASI_RANDOM SEQUENTIAL; do
        echo "round $round: $kind $order $n workers" >&2
        "$root/jcolz" bench "$ds" --order "$order" --workers "$n" --seconds "$seconds" --json \
          | tail -1 | jq -c --arg kind "$kind" --argjson round "$round" '. + {kind: $kind, round: $round}' \
          >> "$runs"
      done
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# medians per (kind, order, workers), then the ratios (plain POSIX awk: no gawk needed)
jq -r '[.kind, .order, .threads, .images_per_s, .busy_fraction, .chunk_wait_s, .decodes_per_read, .worker_cpu_s / .seconds, .images_per_core_s] | @tsv' "$runs" |
sort -t"$(printf '\t')" -k1,1 -k2,2 -k3,3n -k4,4n |
awk -F'\t' -v workers="${workers[*]}" '
  { key = $1 SUBSEP $2 SUBSEP $3; i = ++cnt[key]; vals[key, i] = $4
    busy[key] += $5; wait[key] += $6; dpr[key] += $7; cores[key] += $8; pcs[key] += $9 }
  END {
    nw = split(workers, w, " "); split("raw jpeg", kinds, " "); split("QUASI_RANDOM SEQUENTIAL", orders, " ")
    printf "%-5s %-13s %7s %10s %6s %11s %12s %6s %13s\n", "data", "order", "workers", "images/s", "busy", "chunk wait", "decodes/read", "cores", "per core-s"
    for (a = 1; a <= 2; a++) for (b = 1; b <= 2; b++) for (c = 1; c <= nw; c++) {
      k = kinds[a] SUBSEP orders[b] SUBSEP w[c]
      if (!(k in cnt)) continue
      med[k] = vals[k, int((cnt[k] + 1) / 2)]
      pc[k] = pcs[k] / cnt[k]
      printf "%-5s %-13s %7d %10.0f %5.0f%% %10.2fs %12.3f %6.2f %13.0f\n", kinds[a], orders[b], w[c], med[k], 100 * busy[k] / cnt[k], wait[k] / cnt[k], dpr[k] / cnt[k], cores[k] / cnt[k], pc[k]
    }
    print ""
    printf "%-5s %7s %14s %18s %24s\n", "data", "workers", "QR_N / SEQ_N", "QR_N / (N x QR_1)", "per core-s: QR_N / SEQ_N"
    for (a = 1; a <= 2; a++) for (c = 1; c <= nw; c++) {
      q = kinds[a] SUBSEP "QUASI_RANDOM" SUBSEP w[c]; s = kinds[a] SUBSEP "SEQUENTIAL" SUBSEP w[c]
      one = kinds[a] SUBSEP "QUASI_RANDOM" SUBSEP 1
      if (!(q in med) || !(s in med) || !(one in med)) continue
      printf "%-5s %7d %13.0f%% %17.0f%% %23.0f%%\n", kinds[a], w[c], 100 * med[q] / med[s], 100 * med[q] / (w[c] * med[one]), 100 * pc[q] / pc[s]
    }
  }'
echo "runs: $runs (medians of $rounds rounds; busy, chunk wait and decodes/read are means)" >&2
