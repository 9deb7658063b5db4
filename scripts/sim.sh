#!/usr/bin/env bash
# A longer run of the randomized tests that drive the shipping peer state machine:
# the sync simulation (tests/sim.rs) and the model test (tests/model.rs).
#   bash scripts/sim.sh [SIM_SEEDS] [MODEL_SEEDS]    (defaults 10000 and 2000)
# Seeds start from a random base, printed; replay a failure with GROUNDWORK_TEST_SEED=N.
set -euo pipefail
cd "$(dirname "$0")/.."
sim_seeds="${1:-10000}"
model_seeds="${2:-2000}"
base="${GROUNDWORK_SIM_BASE:-random}"
start=$(date +%s)
GROUNDWORK_SIM_SEEDS="$sim_seeds" GROUNDWORK_SIM_BASE="$base" \
  cargo test --release -p groundwork --test sim -- --nocapture
GROUNDWORK_MODEL_SEEDS="$model_seeds" \
  cargo test --release -p groundwork --test model -- --nocapture
echo "sim.sh: $sim_seeds simulation seeds and $model_seeds model seeds passed in $(( $(date +%s) - start )) s"
