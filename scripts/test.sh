#!/usr/bin/env bash
# Installs what is needed and runs every check and test: formatting, clippy, unit tests,
# integration tests (real SQLite files, real processes killed with SIGKILL), the seeded model
# test. This is the command CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"

if [ ! -f ../shared/data/automerge-paper.json.gz ]; then
  echo "note: ../shared/data is not beside this checkout; trace tests will use only what they find"
fi

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --all-targets --locked -- -D warnings
echo "==> cargo test"
# unit, integration and doc tests; the benchmarks are run by scripts/bench.sh, not here
cargo test --locked --doc
cargo test --locked --lib --bins --tests
