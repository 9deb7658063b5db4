#!/usr/bin/env bash
# Prints the engine's figures: the automerge-paper replay through the engine with persistence,
# side by side with bare yrs, bytes on disk before/after compaction, cold open, edit latency.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh >&2
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
cargo bench --locked --bench replay
