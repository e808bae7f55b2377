#!/usr/bin/env bash
# Spark pack rate and per-part overhead (issue 13 "Measure"), on the photos corpus at 224 px:
#
#   bench/spark-pack.sh            (ROUNDS=3 DIR=/tmp/jcolz-spark-pack PHOTOS=~/.cache/jcolz-corpora/photos)
#
# Each round runs, in this order and each in its own JVM, every configuration once (so the slow
# spells of a shared machine hit all of them); the tables show medians over the rounds:
#   cli-t2      ./jcolz pack --input PHOTOS --labels-from-dirs --size 224 --threads 2 --part-rows 8
#   spark1      PackJob, master local[1], --threads 1 per task, --part-rows 8 (one task at a time)
#   spark2      PackJob, master local[2], --threads 1 per task, --part-rows 8 (two tasks at a time)
#   cli-p1/-p29     ./jcolz pack --threads 1 --part-rows 1 / 29  (57 parts / 2 parts)
#   spark1-p1/-p29  PackJob local[1] --threads 1 --part-rows 1 / 29
# Rates are the JSON line's images_per_s (rows / seconds of the pack itself: JVM and SparkSession
# start-up are not in it; the process's wall time is in DIR/runs.jsonl as wall_s). The Spark
# overhead per part is ((spark1-p1 - spark1-p29) - (cli-p1 - cli-p29)) / 55 parts: what one more
# part costs the job beyond what it costs the packer library. The driver's note "N task(s): T s in
# tasks, of which P s packing" gives the in-task share ((T - P) / N per part: reading the plan,
# checking for a committed part, the commit rename). Every figure comes with the 1-minute load
# average when its run started.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${DIR:-/tmp/jcolz-spark-pack}"
rounds="${ROUNDS:-3}"
jdk="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
photos="${PHOTOS:-$HOME/.cache/jcolz-corpora/photos}"
[ -d "$photos" ] || photos="$("$root/bench/corpora/fetch.sh")/photos"
mkdir -p "$dir"

# the Spark job's classpath (Spark is "provided": the dependency plugin lists it with compile scope)
cp="$dir/classpath.txt"
(cd "$root" && JAVA_HOME="$jdk" mvn -B -o -q -pl spark -am -DskipTests package \
  dependency:build-classpath -Dmdep.includeScope=compile -Dmdep.outputFile="$cp" >&2)
# the JVM flags Spark needs on Java 25: the surefire argLine of spark/pom.xml, after jvm.flags
spark_flags=$(sed -n 's/.*<argLine>\${jcolz.jvm.flags} \(.*\)<\/argLine>.*/\1/p' "$root/spark/pom.xml")
[ -n "$spark_flags" ] || { echo "cannot read the argLine of spark/pom.xml" >&2; exit 1; }
"$root/jcolz" --help > /dev/null 2>&1 || true # builds the CLI jar if stale

runs="$dir/runs.jsonl"
: > "$runs"
run() { # name, then the command; appends its JSON line with name, round, load, wall_s, note
  local name=$1; shift
  local load t0 t1 line note
  load=$(cut -d' ' -f1 /proc/loadavg)
  rm -rf "$dir/out-$name" "$dir/.out-$name.building"
  t0=$(date +%s.%N)
  line=$("$@" --out "$dir/out-$name" --json 2> "$dir/$name.err" | tail -1)
  t1=$(date +%s.%N)
  note=$(grep -o '[0-9]* task(s): [0-9.]* s in tasks, of which [0-9.]* s packing' "$dir/$name.err" | tail -1 || true)
  echo "$line" | jq -c --arg name "$name" --argjson round "$round" --argjson load "$load" \
    --argjson wall "$(echo "$t1 - $t0" | bc)" --arg note "$note" \
    '. + {name: $name, round: $round, load: $load, wall_s: $wall, note: $note}' >> "$runs"
  echo "round $round: $name $(jq -r '.images_per_s' <<< "$line") images/s (load $load)" >&2
}
cli() { "$root/jcolz" pack --input "$photos" --labels-from-dirs --size 224 "$@"; }
spark() { # master, then options
  local master=$1; shift
  # shellcheck disable=SC2086
  "$jdk/bin/java" @"$root/jvm.flags" $spark_flags -Dspark.master="$master" \
    -Dspark.ui.enabled=false -Dspark.app.name=jcolz-pack-bench \
    -cp "$root/spark/target/classes:$(cat "$cp")" io.jcolz.spark.PackJob \
    --input "$photos" --labels-from-dirs --size 224 "$@"
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); photos: $(find "$photos" -type f | wc -l) files, $(du -sh "$photos" | cut -f1)" >&2
for round in $(seq 1 "$rounds"); do
  run cli-t2 cli --threads 2 --part-rows 8
  run spark1 spark 'local[1]' --threads 1 --part-rows 8
  run spark2 spark 'local[2]' --threads 1 --part-rows 8
  run cli-p1 cli --threads 1 --part-rows 1
  run cli-p29 cli --threads 1 --part-rows 29
  run spark1-p1 spark 'local[1]' --threads 1 --part-rows 1
  run spark1-p29 spark 'local[1]' --threads 1 --part-rows 29
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
echo
printf '%-11s %5s %10s %8s %8s %s\n' config rows images/s seconds wall_s "loads (per round)"
for name in cli-t2 spark1 spark2 cli-p1 cli-p29 spark1-p1 spark1-p29; do
  sel=".name == \"$name\""
  printf '%-11s %5s %10s %8s %8s %s\n' "$name" \
    "$(jq -r "select($sel) | .rows" "$runs" | head -1)" \
    "$(jq -r "select($sel) | .images_per_s" "$runs" | median)" \
    "$(jq -r "select($sel) | .seconds" "$runs" | median)" \
    "$(jq -r "select($sel) | .wall_s * 10 | round / 10" "$runs" | median)" \
    "$(jq -r "select($sel) | .load" "$runs" | paste -sd' ')"
done
echo
# per round: Spark overhead per part beyond the packer's, and the in-task share from the note
per_part=$(for round in $(seq 1 "$rounds"); do
  s() { jq -r "select(.name == \"$1\" and .round == $round) | .seconds" "$runs"; }
  echo "$(s spark1-p1) $(s spark1-p29) $(s cli-p1) $(s cli-p29)"
done | awk '{ printf "%.1f\n", (($1 - $2) - ($3 - $4)) / 55 * 1000 }')
echo "Spark overhead per part (local[1], 57 vs 2 parts, beyond the CLI's own per-part cost):" \
  "median $(median <<< "$per_part") ms; per round: $(paste -sd' ' <<< "$per_part") ms"
in_task=$(jq -r 'select(.name == "spark1-p1") | .note' "$runs" |
  awk '{ printf "%.1f\n", ($3 - $9) / $1 * 1000 }')
echo "in-task overhead per part (task time minus packing, spark1-p1):" \
  "median $(median <<< "$in_task") ms; per round: $(paste -sd' ' <<< "$in_task") ms"
