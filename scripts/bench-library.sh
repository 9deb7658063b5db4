#!/usr/bin/env bash
# The brief library with 2,000 briefs made by the CLI, next to 10, in one run: start to
# interactive list and search keystroke latency (p50 / p99). Release builds, under Xvfb.
# See bench/library-bench.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh >&2
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
npm --prefix ui run build --silent >&2
cargo build --release --locked -p groundwork-app -p groundwork >&2
dir="${CARGO_TARGET_DIR:-$PWD/target}/release"
export GROUNDWORK_APP="$dir/groundwork-app" GROUNDWORK_CLI="$dir/groundwork"
dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24' node bench/library-bench.mjs
