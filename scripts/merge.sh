#!/usr/bin/env bash
# A longer run of the merge property test (ui/test/merge.test.ts): real editors with the body
# binding, three to four replicas, a seeded random mix of typing, deleting, Enter, Backspace,
# block types, lists, marks, paste and undo, delivered out of order across partitions.
#   bash scripts/merge.sh [SEEDS] [FIRST]    (defaults 5000, and a random first seed, printed)
# Seeds run in chunks of 250, one test process each (jsdom and the editors are heavy).
# Replay one failure with MERGE_SEED=N MERGE_SEEDS=1 (MERGE_LOG=1 prints every step).
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="${1:-5000}"
first="${2:-$(( (RANDOM << 15 | RANDOM) % 1000000 + 1 ))}"
echo "merge.sh: $seeds seeds from $first"
start=$(date +%s)
done_seeds=0
while [ "$done_seeds" -lt "$seeds" ]; do
  n=$(( seeds - done_seeds < 250 ? seeds - done_seeds : 250 ))
  MERGE_SEEDS="$n" MERGE_SEED="$(( first + done_seeds ))" npx --prefix ui vitest run --root ui test/merge.test.ts --silent
  done_seeds=$(( done_seeds + n ))
done
echo "merge.sh: $seeds seeds from $first passed in $(( $(date +%s) - start )) s"
