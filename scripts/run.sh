#!/usr/bin/env bash
# Installs what is needed, builds Groundwork and runs it. Until the desktop app lands this is
# the headless CLI: `scripts/run.sh new "My brief"`, `scripts/run.sh list`, ... With no
# arguments it prints the help and your briefs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh >&2
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked --bin groundwork >&2
bin=target/release/groundwork
[ -n "${CARGO_TARGET_DIR:-}" ] && bin="$CARGO_TARGET_DIR/release/groundwork"
if [ $# -eq 0 ]; then
  "$bin" --help
  echo
  echo "Your briefs:"
  exec "$bin" list
fi
exec "$bin" "$@"
