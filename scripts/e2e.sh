#!/usr/bin/env bash
# The desktop app's end-to-end test: builds the UI and the app, then drives the real window
# with tauri-driver + WebKitWebDriver under Xvfb: ui/e2e/app.e2e.mjs (one window, the whole app),
# ui/e2e/merge.e2e.mjs (two windows on one brief, their link cut and restored) and ui/e2e/session.e2e.mjs
# (two windows in a joint session: carets, typing at once, undo of one's own words) and ui/e2e/status.e2e.mjs
# (two windows, link cut and restored: what each says the other has not seen) and ui/e2e/access.e2e.mjs
# (two windows and a headless device: joining asks a member, used-up codes, removal) and ui/e2e/files.e2e.mjs
# (Save as… and Open… through GTK's dialogs, answered with xdotool; a dropped .md). Screenshots land in
# $E2E_OUT (default: ui/e2e/screenshots). Expects scripts/install.sh to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
npm --prefix ui run build --silent
cargo build --locked -p groundwork-app -p groundwork
export GROUNDWORK_APP="$TARGET/debug/groundwork-app"
export GROUNDWORK_CLI="$TARGET/debug/groundwork"
dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24' node ui/e2e/app.e2e.mjs
dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24' node ui/e2e/merge.e2e.mjs
dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24' node ui/e2e/session.e2e.mjs
dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24' node ui/e2e/status.e2e.mjs
dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24' node ui/e2e/access.e2e.mjs
dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24' node ui/e2e/files.e2e.mjs
