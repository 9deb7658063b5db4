#!/usr/bin/env bash
# Runs every fuzz target (fuzz/, cargo-fuzz + libFuzzer) for a time budget each and prints
# executions and findings. Usage: bash scripts/fuzz.sh [SECONDS_PER_TARGET] (default 300).
# CI runs it with a short budget; run it longer by hand. A crash is copied to
# fuzz/regressions/<target>/ (commit it: `cargo test` replays it from then on) and makes the
# script fail. New inputs the fuzzer finds go to fuzz/work/ (not committed); the committed
# seed corpus fuzz/corpus/ is written from real traffic by
# `cargo test --test fuzz_regressions -- --ignored write_seed_corpus`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
budget="${1:-300}"
# libFuzzer's seed: fixed unless FUZZ_SEED says otherwise, printed so a run can be repeated
seed="${FUZZ_SEED:-1}"
echo "==> fuzzing each target for ${budget} s, seed ${seed}"
if ! command -v cargo-fuzz >/dev/null; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi
# cargo-fuzz passes a few unstable compiler flags; RUSTC_BOOTSTRAP lets the one stable
# toolchain this machine has accept them (no sanitizer: `-s none`)
export RUSTC_BOOTSTRAP=1
target_dir="${FUZZ_TARGET_DIR:-$HOME/.cache/groundwork-fuzz-target}"
echo "==> building fuzz targets"
cargo fuzz build --fuzz-dir fuzz -s none --target-dir "$target_dir" >/dev/null
found=0
printf '%-14s %12s %10s %8s\n' target executions exec/s corpus
for t in $(cargo fuzz list --fuzz-dir fuzz); do
  mkdir -p "fuzz/work/$t" "fuzz/artifacts/$t"
  log="fuzz/work/$t.log"
  set +e
  cargo fuzz run --fuzz-dir fuzz -s none --target-dir "$target_dir" "$t" "fuzz/work/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$budget" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -seed="$seed" \
    -artifact_prefix="fuzz/artifacts/$t/" >"$log" 2>&1
  status=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  units=$(ls "fuzz/work/$t" | wc -l)
  printf '%-14s %12s %10s %8s\n' "$t" "${execs:-0}" "${rate:-0}" "$units"
  for a in fuzz/artifacts/"$t"/*; do
    [ -f "$a" ] || continue
    found=1
    mkdir -p "fuzz/regressions/$t"
    cp "$a" "fuzz/regressions/$t/"
    echo "FINDING in $t: $a (copied to fuzz/regressions/$t/)"
    grep -m3 -E 'panicked|ERROR|SUMMARY' "$log" || true
  done
  if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then
    echo "fuzzing $t failed without a finding:"; tail -20 "$log"; exit 1
  fi
done
exit "$found"
