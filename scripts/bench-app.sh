#!/usr/bin/env bash
# Desktop app figures side by side with a minimal Tauri 2 app (bench/minimal-app) in one run:
# start to interactive list, opening the automerge-paper brief, keystroke to stored, memory.
# Release builds, under Xvfb. See bench/app-bench.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh >&2
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
npm --prefix ui run build --silent >&2
cargo build --release --locked -p groundwork-app -p minimal-app -p groundwork >&2
dir="${CARGO_TARGET_DIR:-$PWD/target}/release"
export GROUNDWORK_APP="$dir/groundwork-app" MINIMAL_APP="$dir/minimal-app" GROUNDWORK_CLI="$dir/groundwork"
export TRACE="${TRACE:-$PWD/../shared/data/automerge-paper.json.gz}"
dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24' node bench/app-bench.mjs
