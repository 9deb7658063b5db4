#!/usr/bin/env bash
# Desktop app figures before and after a change, in one run: builds REV (default: the commit
# before the schema-2 body model, a5ff09d) in a worktree and the current tree, both release,
# then runs, for each, bench/app-bench.mjs (opening the automerge-paper brief, keystroke to
# stored) and bench/pair-bench.mjs (keystroke in window A to painted in window B), and prints
# the figures side by side. Under Xvfb; see the two benchmarks for what each figure is.
# Then bench/open-bench.mjs opens the brief OPEN_RUNS (12) times a build, in turns.
# BUILD_ONLY=1 only builds; OPEN_ONLY=1 runs only bench/open-bench.mjs (opening the brief,
# RUNS times a build, in turns, with the marks the app logs on the way).
#
# REV gets one addition if it lacks it: GROUNDWORK_PEERS (dial these addresses, as
# `serve --peer`), so two windows can be linked without mDNS. It changes no timing.
set -euo pipefail
cd "$(dirname "$0")/.."
REV="${1:-a5ff09d}"
bash scripts/install.sh >&2
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TARGET_DIR="$TARGET"
out="$TARGET/before-after"
mkdir -p "$out"

# build_into DIR TARGET: the UI and the release binaries of the tree in the current directory,
# built in TARGET, copied to DIR. The two trees never share a target directory: their packages
# have the same names, and cargo would take one tree's artifacts as fresh for the other.
build_into() {
  npm --prefix ui ci --silent --no-audit --no-fund >&2
  npm --prefix ui run build --silent >&2
  CARGO_TARGET_DIR="$2" cargo build --release --locked -p groundwork-app -p minimal-app -p groundwork >&2
  mkdir -p "$1"
  cp "$2/release/groundwork-app" "$2/release/groundwork" "$2/release/minimal-app" "$1/"
}

rev=$(git rev-parse --short "$REV")
before="$out/$rev"
if [ ! -x "$before/bin/groundwork-app" ]; then
  rm -rf "$before/src"
  git worktree prune
  git worktree add --detach "$before/src" "$rev" >&2
  # its dependencies as already built here (copied with their times, so the older tree's own
  # crates, checked out just now, are newer than any artifact and are built again)
  if [ ! -d "$before/target/release" ] && [ -d "$TARGET/release" ]; then
    mkdir -p "$before/target" && cp -a "$TARGET/release" "$before/target/"
  fi
  (
    cd "$before/src"
    if ! grep -q GROUNDWORK_PEERS src-tauri/src/main.rs; then
      # the same lines the current shell has: the addresses to dial besides mDNS's
      perl -0pi -e 's/(mdns: std::env::var_os\("GROUNDWORK_NO_MDNS"\)\.is_none\(\),\n)/$1        peers: std::env::var("GROUNDWORK_PEERS").map(|v| v.split(\x27,\x27).map(str::trim).filter(|a| !a.is_empty()).map(String::from).collect()).unwrap_or_default(),\n/' src-tauri/src/main.rs
      grep -q GROUNDWORK_PEERS src-tauri/src/main.rs
    fi
    build_into "$before/bin" "$before/target"
  )
fi
build_into "$out/current" "$TARGET"
[ "${BUILD_ONLY:-}" = 1 ] && exit 0
xv() { dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24' "$@"; }
if [ "${OPEN_ONLY:-}" = 1 ]; then
  # the open figure alone, with the marks the app logs on the way (bench/open-bench.mjs)
  BUILDS="before ($rev)=$before/bin,after=$out/current" RUNS="${RUNS:-10}" \
    TRACE="${TRACE:-$PWD/../shared/data/automerge-paper.json.gz}" xv node bench/open-bench.mjs
  exit 0
fi

export TRACE="${TRACE:-$PWD/../shared/data/automerge-paper.json.gz}"
ROUNDS="${ROUNDS:-2}"
export FIGURES_OUT="$out/figures.jsonl" BEFORE_NAME="before ($rev)" AFTER_NAME="after"
rm -f "$FIGURES_OUT"
# the builds take turns, so a slower spell of the machine falls on both; the order flips
# every round (before after, after before, …), so neither always goes second
for round in $(seq "$ROUNDS"); do
  order="before after"
  [ $((round % 2)) -eq 0 ] && order="after before"
  for which in $order; do
    if [ "$which" = before ]; then bin="$before/bin" name="$BEFORE_NAME"; else bin="$out/current" name="$AFTER_NAME"; fi
    echo "## round $round: $name"
    GROUNDWORK_APP="$bin/groundwork-app" MINIMAL_APP="$bin/minimal-app" GROUNDWORK_CLI="$bin/groundwork" FIGURES_BUILD="$name" \
      RUNS="${RUNS:-3}" IDLE_S="${IDLE_S:-2}" xv node bench/app-bench.mjs
  done
done
# the open figure again with enough launches to resolve 10 % on a noisy machine (each
# app-bench round above opens the brief once per build)
BUILDS="$BEFORE_NAME=$before/bin,$AFTER_NAME=$out/current" RUNS="${OPEN_RUNS:-12}" xv node bench/open-bench.mjs
BEFORE_APP="$before/bin/groundwork-app" BEFORE_CLI="$before/bin/groundwork" \
  AFTER_APP="$out/current/groundwork-app" AFTER_CLI="$out/current/groundwork" \
  ROUNDS="$ROUNDS" xv node bench/pair-bench.mjs
node bench/before-after.mjs
