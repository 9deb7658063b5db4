#!/usr/bin/env bash
# Issue 14's joint-session figures: two app windows and six headless peers typing into one
# brief for a minute (bench/session-bench.mjs): keystroke in A to painted in B, CPU of each
# headless peer, memory growth of every process. Release builds, under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh >&2
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
npm --prefix ui run build --silent >&2
cargo build --release --locked -p groundwork-app -p groundwork >&2
dir="${CARGO_TARGET_DIR:-$PWD/target}/release"
export GROUNDWORK_APP="$dir/groundwork-app" GROUNDWORK_CLI="$dir/groundwork"
dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24' node bench/session-bench.mjs
