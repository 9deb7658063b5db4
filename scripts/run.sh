#!/usr/bin/env bash
# Installs what is needed, builds the UI and the desktop app (release) and starts it.
# Data lives in the platform's data directory (~/.local/share/groundwork), or in
# $GROUNDWORK_DATA_DIR. The headless CLI is built alongside: target/release/groundwork.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh >&2
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
npm --prefix ui run build --silent >&2
cargo build --release --locked -p groundwork-app -p groundwork >&2
dir="${CARGO_TARGET_DIR:-$PWD/target}/release"
exec "$dir/groundwork-app" "$@"
