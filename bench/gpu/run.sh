#!/usr/bin/env bash
# The GPU run (issue 24), ready before the machine comes. The GPU machine has no Java, no Maven and
# no network (../shared/GPU.md): what it needs travels in one file, .carry/gpu/bundle.tgz.
#
#   bench/gpu/run.sh bundle
#       Here: builds the jars if stale, then .carry/gpu/bundle.tgz (git-ignored): a jlink'd Java 25
#       runtime (stripped libjvm), jcolz's jars without pytorch-native-cpu (the GPU machine has its
#       own libtorch), libturbojpeg, and bench/gpu/djl-jni/ when present (git-ignored: DJL 0.35.1's
#       JNI sources with their build script, never committed; see README "On NVIDIA GPUs").
#       Fails if the bundle is over 64 MiB.
#   bench/gpu/run.sh measure [--dry-run] [--out FILE]
#       Unpacks the bundle under $WORK (default /tmp/jcolz-gpu-run) and runs, writing one JSON
#       (default $WORK/gpu-run.json):
#         jni      builds DJL's JNI bridge against the machine's libtorch (djl-jni/build.sh)
#         data     a raw and a jpeg dataset (synthetic photo-like images, 224 px, 11,000 labels)
#         loader   `jcolz bench` at 1, 2, 4, 8, 16 workers on each
#         train    `jcolz train --model resnet50` at batch 256 (halved until it fits), fp32 and
#                  bf16: images/s, data stall, median step time
#         torch    the same step in PyTorch (torch_step.py), fp32 and bf16 (autocast)
#         loss     the fused loss against DJL's SigmoidBinaryCrossEntropyLoss (LossBenchmark)
#       With --dry-run every step runs on this CPU machine at toy sizes (32 px, 100 labels, a few
#       steps) with the CPU libtorch of tools/target/lib; the JNI step only checks the sources are
#       there, and bf16 is refused by jcolz (DJL's stock JNI has no bfloat16) and recorded so.
#   bench/gpu/run.sh --dry-run
#       bundle, then measure --dry-run: the check that the script works (about 3 min on 2 cores).
#
# On the GPU machine: carry .carry/gpu and run `bench/gpu/run.sh measure --out $OUT/gpu-run.json`
# (about 5 min; the limit is 8). Environment there (defaults for the machine GPU.md describes):
#   TORCH_SITE (/opt/torch/.venv/lib/python3.12/site-packages), PYTHON (/opt/torch/.venv/bin/python3),
#   PYTORCH_VERSION (2.11.0), PYTORCH_FLAVOR (cu130), CUDA_LIB ($TORCH_SITE/nvidia/cu13/lib).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
carry="$root/.carry/gpu"
limit=$((64 * 1024 * 1024))
modules=java.base,java.desktop,java.logging,java.management,java.naming,jdk.incubator.vector,jdk.management,jdk.unsupported,jdk.zipfs

die() { echo "run.sh: $*" >&2; exit 1; }
say() { echo "run.sh: $*" >&2; }

stale() { # jars missing or older than a source or pom
  local jar
  for jar in "$root/tools/target/jcolz.jar" "$root/bench/target/jcolz-bench.jar"; do
    [ -f "$jar" ] || return 0
    [ -n "$(find "$root"/format "$root"/image "$root"/loader "$root"/pack "$root"/training "$root"/tools "$root"/bench \
          \( -path '*/src/main/*' -o -name pom.xml \) -newer "$jar" -print -quit 2>/dev/null)" ] && return 0
  done
  return 1
}

bundle() {
  local jdk="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
  [ -x "$jdk/bin/jlink" ] || die "no jlink under $jdk (set JAVA_HOME to a JDK 25)"
  if stale; then
    say "building the jars (mvn package -pl tools,bench -am) ..."
    (cd "$root" && JAVA_HOME="$jdk" mvn -B -o -q -DskipTests -pl tools,bench -am package >&2) \
      || die "build failed"
    touch "$root/tools/target/jcolz.jar" "$root/bench/target/jcolz-bench.jar"
  fi
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  local b="$tmp/bundle"
  mkdir -p "$b/lib" "$b/native"
  # uncompressed modules: gzip then packs them smaller than jlink's zip-9 does (32 MB vs 39 MB)
  "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-0 --output "$b/runtime"
  strip --strip-unneeded "$b/runtime/lib/server/libjvm.so" 2>/dev/null || say "strip not found: libjvm.so left as is"
  local j
  for j in "$root"/tools/target/lib/*.jar "$root"/bench/target/lib/*.jar; do
    case "$(basename "$j")" in pytorch-native-*) continue ;; esac
    cp -n "$j" "$b/lib/"
  done
  cp "$root/tools/target/jcolz.jar" "$root/bench/target/jcolz-bench.jar" "$b/lib/"
  # zstd-jni and jffi carry natives for every platform: keep Linux x86-64's (saves 7 MB)
  python3 - "$b"/lib/zstd-jni-*.jar "$b"/lib/jffi-*-native.jar <<'PY'
import os, re, sys, zipfile
other = re.compile(r"^(aix|darwin|freebsd|win|linux/(?!amd64/)|jni/(?!x86_64-Linux/))[^/]*/?.*[.](so|dll|dylib|jnilib|a)$")
for jar in sys.argv[1:]:
    tmp = jar + ".tmp"
    with zipfile.ZipFile(jar) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for e in src.infolist():
            if not other.match(e.filename):
                dst.writestr(e, src.read(e.filename))
    os.replace(tmp, jar)
PY
  # the jvm.flags of the repo, less the jdk.compiler lines (not in the runtime; Chronicle's key
  # index compiler is not used: the bench datasets have no key column)
  grep -v 'jdk.compiler' "$root/jvm.flags" > "$b/jvm.flags"
  local tj=/usr/lib/x86_64-linux-gnu/libturbojpeg.so.0
  [ -f "$tj" ] && cp -L "$tj" "$b/native/libturbojpeg.so.0"
  if [ -f "$root/bench/gpu/djl-jni/build.sh" ]; then
    cp -r "$root/bench/gpu/djl-jni" "$b/djl-jni"
  else
    say "bench/gpu/djl-jni/build.sh absent: the bundle carries no JNI sources (see README)"
  fi
  mkdir -p "$carry"
  tar -C "$tmp" -czf "$carry/bundle.tgz.part" bundle
  mv "$carry/bundle.tgz.part" "$carry/bundle.tgz"
  local size
  size=$(stat -c %s "$carry/bundle.tgz")
  say "$(printf 'bundle %s: %.1f MiB (runtime %s, lib %s on disk)' "$carry/bundle.tgz" \
    "$(echo "$size / 1048576" | bc -l)" "$(du -sh "$b/runtime" | cut -f1)" "$(du -sh "$b/lib" | cut -f1)")"
  [ "$size" -le "$limit" ] || die "bundle is $size bytes, over the 64 MiB limit"
}

measure() {
  local dry=0 out=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --dry-run) dry=1 ;;
      --out) out="$2"; shift ;;
      *) echo "usage: run.sh measure [--dry-run] [--out FILE]" >&2; exit 2 ;;
    esac
    shift
  done
  local work="${WORK:-/tmp/jcolz-gpu-run}"
  out="${out:-$work/gpu-run.json}"
  [ -f "$carry/bundle.tgz" ] || die "no $carry/bundle.tgz: run 'bench/gpu/run.sh bundle' first"
  rm -rf "$work/bundle" "$work/parts"
  mkdir -p "$work/parts"
  tar -C "$work" -xzf "$carry/bundle.tgz"
  local B="$work/bundle" parts="$work/parts"
  local java="$B/runtime/bin/java"
  local cp="$B/lib/*"
  local jflags=(@"$B/jvm.flags" --add-modules=jdk.incubator.vector
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.logFile=System.err)
  [ -f "$B/native/libturbojpeg.so.0" ] && jflags+=(-Djcolz.turbojpeg="$B/native/libturbojpeg.so.0")
  export TJ_OPTIMIZE=1 DJL_CACHE_DIR="$work/djl"
  local py devices rows_raw rows_jpeg size labels seconds workers batch steps psteps pwarm
  if [ "$dry" = 1 ]; then
    # the CPU libtorch from the build, never part of the bundle
    local native
    native=$(ls "$root"/tools/target/lib/pytorch-native-cpu-*.jar 2>/dev/null | head -1)
    [ -n "$native" ] || die "dry run: no pytorch-native-cpu jar in tools/target/lib (run bundle first)"
    cp="$cp:$native"
    py="${PYTHON:-python3}"
    devices=cpu rows_raw=96 rows_jpeg=96 size=32 labels=100 seconds=1 workers="1 2"
    batch=4 steps=3 psteps=2 pwarm=1
  else
    local site="${TORCH_SITE:-/opt/torch/.venv/lib/python3.12/site-packages}"
    py="${PYTHON:-/opt/torch/.venv/bin/python3}"
    export PYTORCH_LIBRARY_PATH="$site/torch/lib"
    export PYTORCH_VERSION="${PYTORCH_VERSION:-2.11.0}" PYTORCH_FLAVOR="${PYTORCH_FLAVOR:-cu130}"
    jflags+=(-Djna.library.path="${CUDA_LIB:-$site/nvidia/cu13/lib}")
    devices=gpu rows_raw=8192 rows_jpeg=4096 size=224 labels=11000 seconds=6 workers="1 2 4 8 16"
    batch=256 steps=30 psteps=20 pwarm=5
  fi
  jcolz() { "$java" "${jflags[@]}" -cp "$cp" io.jcolz.tools.Main "$@"; }
  benchmain() { "$java" "${jflags[@]}" -cp "$cp" io.jcolz.bench.BenchMain "$@"; }
  local t0=$SECONDS

  # jni: DJL 0.35.1's bridge built against this machine's libtorch, with bfloat16 (GPU.md)
  if [ "$dry" = 1 ]; then
    if [ -f "$B/djl-jni/build.sh" ]; then
      echo '{"step": "jni", "dry_run": true, "sources": "present"}' > "$parts/jni.json"
    else
      echo '{"step": "jni", "dry_run": true, "sources": "absent"}' > "$parts/jni.json"
    fi
  else
    [ -f "$B/djl-jni/build.sh" ] || die "the bundle has no djl-jni/build.sh: cannot build DJL's JNI for this libtorch"
    local so="$DJL_CACHE_DIR/pytorch/$PYTORCH_VERSION-$PYTORCH_FLAVOR-linux-x86_64/0.35.1-libdjl_torch.so"
    local j0=$SECONDS
    bash "$B/djl-jni/build.sh" "$site/torch" "$so" >&2 || die "DJL JNI build failed"
    [ -f "$so" ] || die "DJL JNI build wrote no $so"
    local bf=false
    [ -f "$so.bf16" ] && { bf=true; jflags+=(-Djcolz.bf16=true); }
    echo "{\"step\": \"jni\", \"seconds\": $((SECONDS - j0)), \"bf16\": $bf}" > "$parts/jni.json"
  fi
  say "jni done ($((SECONDS - t0)) s)"

  # data
  local raw="$work/raw$size" jpeg="$work/jpeg$size"
  rm -rf "$raw" "$jpeg"
  benchmain make-dataset "$raw" "$rows_raw" "$size" "$labels" 0 raw >&2
  benchmain make-dataset "$jpeg" "$rows_jpeg" "$size" "$labels" 0 jpeg 90 >&2
  echo "{\"step\": \"data\", \"raw_rows\": $rows_raw, \"jpeg_rows\": $rows_jpeg, \"size\": $size, \"labels\": $labels}" > "$parts/data.json"
  say "data done ($((SECONDS - t0)) s)"

  # loader sweep
  local kind ds n
  for kind in raw jpeg; do
    ds=$raw
    [ "$kind" = jpeg ] && ds=$jpeg
    for n in $workers; do
      jcolz bench "$ds" --workers "$n" --batch "$batch" --seconds "$seconds" --json \
        | tail -1 > "$parts/loader-$kind-$n.json"
    done
  done
  say "loader done ($((SECONDS - t0)) s)"

  # train: ResNet-50, fp32 and bf16, batch halved until it fits
  local p b rc
  for p in fp32 bf16; do
    b=$batch
    while :; do
      set +e
      jcolz train "$raw" --model resnet50 --batch "$b" --epochs 1 --max-steps "$steps" \
        --devices "$devices" --optimizer sgd --lr 0.01 --precision "$p" --json \
        > "$work/train-$p.out" 2> "$work/train-$p.err"
      rc=$?
      set -e
      if [ "$rc" = 0 ]; then
        tail -1 "$work/train-$p.out" > "$parts/train-$p.json"
        break
      fi
      if grep -qi 'out of memory' "$work/train-$p.err" && [ "$b" -gt 8 ]; then
        b=$((b / 2))
        say "train $p: out of memory, batch $b"
        continue
      fi
      say "train $p failed (exit $rc): $(tail -1 "$work/train-$p.err")"
      "$py" - "$p" "$rc" "$work/train-$p.err" > "$parts/train-$p.json" <<'PY'
import json, sys
p, rc, err = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = [l.strip() for l in open(err, errors="replace") if l.strip()]
print(json.dumps({"precision": p, "failed": True, "exit": rc, "error": lines[-1] if lines else ""}))
PY
      break
    done
    # the same step in PyTorch, at the batch jcolz ran
    "$py" "$root/bench/gpu/torch_step.py" --batch "$b" --size "$size" --labels "$labels" \
      --steps "$psteps" --warmup "$pwarm" --precision "$p" | tail -1 > "$parts/torch-$p.json"
  done
  say "train and torch done ($((SECONDS - t0)) s)"

  # loss: fused vs DJL's SigmoidBinaryCrossEntropyLoss, on the engine's default device (the GPU)
  local lb=256 ll=11000 lit=(-wi 2 -w 1 -i 3 -r 1)
  [ "$dry" = 1 ] && { lb=8; ll=100; lit=(-wi 1 -w 1 -i 1 -r 1); }
  benchmain LossBenchmark -f 0 "${lit[@]}" -p batch=$lb -p labels=$ll \
    -rf json -rff "$parts/loss-jmh.json" > "$work/loss.out" 2>&1 || die "LossBenchmark failed: $(tail -3 "$work/loss.out")"
  say "loss done ($((SECONDS - t0)) s)"

  # one JSON
  mkdir -p "$(dirname "$out")"
  "$py" - "$parts" "$out" "$dry" "$((SECONDS - t0))" <<'PY'
import glob, json, os, platform, subprocess, sys, time
parts, out, dry, seconds = sys.argv[1], sys.argv[2], sys.argv[3] == "1", int(sys.argv[4])
def load(name):
    with open(os.path.join(parts, name)) as f:
        text = f.read().strip()
    return json.loads(text) if text else {"error": "empty"}
gpu = None
try:
    gpu = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
                         capture_output=True, text=True, timeout=10).stdout.strip() or None
except Exception:
    pass
r = {"dry_run": dry, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
     "host": {"cpus": os.cpu_count(), "gpu": gpu, "platform": platform.platform()},
     "seconds": seconds, "jni": load("jni.json"), "data": load("data.json"),
     "loader": {}, "train": {}, "torch": {}}
for f in sorted(glob.glob(os.path.join(parts, "loader-*.json"))):
    _, kind, n = os.path.basename(f)[:-5].split("-")
    r["loader"].setdefault(kind, {})[n] = load(os.path.basename(f))
for p in ("fp32", "bf16"):
    r["train"][p] = load("train-%s.json" % p)
    r["torch"][p] = load("torch-%s.json" % p)
    t, q = r["train"][p], r["torch"][p]
    if t.get("step_ms_median") and q.get("step_ms_median"):
        t["vs_torch_step_time"] = t["step_ms_median"] / q["step_ms_median"]
jmh = load("loss-jmh.json")
r["loss"] = {b["benchmark"].rsplit(".", 1)[1]: {"ms_median": b["primaryMetric"]["scorePercentiles"]["50.0"],
             "params": b.get("params")} for b in jmh}
with open(out, "w") as f:
    json.dump(r, f, indent=1)
print(out)
PY
  say "done in $((SECONDS - t0)) s: $out"
}

case "${1:-}" in
  bundle) bundle ;;
  measure) shift; measure "$@" ;;
  --dry-run) bundle; measure --dry-run "${@:2}" ;;
  *) echo "usage: bench/gpu/run.sh bundle | measure [--dry-run] [--out FILE] | --dry-run" >&2; exit 2 ;;
esac
