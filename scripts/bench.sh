#!/usr/bin/env bash
# Prints the engine's and the sync layer's figures, each side by side with its reference in the
# same run: benches/replay.rs (automerge-paper through the engine vs bare yrs) and
# benches/versions.rs (versions on the automerge-paper brief, with and without) and
# benches/sync.rs (peers over loopback vs the stock Yjs websocket relay from npm).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh >&2
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v node >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
fi
npm install --prefix bench/yjs --no-audit --no-fund >&2
cargo bench --locked --bench replay
cargo bench --locked --bench versions
cargo bench --locked --bench sync
