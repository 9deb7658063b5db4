#!/usr/bin/env bash
# Installs what is needed and runs every check and test: formatting, clippy (engine, app
# shell, minimal app), the engine's unit/integration/doc tests (real SQLite files, real
# processes killed with SIGKILL, the seeded simulation, network namespaces), the UI's type
# check and unit tests (vitest), the end-to-end test of the real app window under Xvfb, the
# packages (built, inspected, installed and started: scripts/package-test.sh), and
# each fuzz target for a short budget (its committed corpus is also replayed by cargo test).
# This is the command CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"

if [ ! -f ../shared/data/automerge-paper.json.gz ]; then
  echo "note: ../shared/data is not beside this checkout; trace tests will use only what they find"
fi

echo "==> UI: type check, unit tests, build"
npm --prefix ui run typecheck --silent
npm --prefix ui test --silent
npm --prefix ui run build --silent

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy (engine, desktop shell, minimal app)"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "==> desktop app: end-to-end in a real window"
bash scripts/e2e.sh

echo "==> packages: build the .deb and .rpm, inspect them, install the .deb, run what it installed"
bash scripts/package-test.sh

echo "==> cargo test (engine)"
# unit, integration and doc tests; the benchmarks are run by scripts/bench*.sh, not here
cargo test --locked --doc
cargo test --locked --lib --bins --tests
echo "==> fuzzing: every target for a short budget (scripts/fuzz.sh runs them longer)"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
echo "==> cargo test (desktop shell's own unit tests)"
cargo test --locked -p groundwork-app --bins
