#!/usr/bin/env bash
# Installs what Groundwork needs on a fresh Debian or Ubuntu machine: system packages (the
# WebKitGTK stack the Tauri app uses; Xvfb, WebKitWebDriver and python3-gi, which grabs the
# screen, xdotool, which answers file dialogs, and poppler-utils, which reads PDFs, for its
# tests; desktop-file-utils and rpm, which inspect the packages), Node.js and the UI's npm
# packages, the Rust components and tauri-driver. Safe to run again; it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

need_apt=()
for pkg in build-essential pkg-config ca-certificates iproute2 util-linux procps file \
  libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev librsvg2-dev \
  libayatana-appindicator3-dev libxdo-dev \
  xvfb xauth dbus webkit2gtk-driver fonts-dejavu-core python3-gi gir1.2-gtk-3.0 \
  desktop-file-utils rpm xdotool poppler-utils; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  need_apt+=(nodejs npm)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> installing system packages: ${need_apt[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_apt[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "==> no Rust toolchain found; installing rustup"
    if apt-cache show rustup >/dev/null 2>&1; then
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q rustup
    else
      echo "error: install Rust >= 1.90 with rustup (https://rustup.rs), then run this again" >&2
      exit 1
    fi
    rustup default stable
  fi
fi
[ -d "$HOME/.cargo/bin" ] && export PATH="$HOME/.cargo/bin:$PATH"

if command -v rustup >/dev/null 2>&1; then
  for comp in clippy rustfmt; do
    rustup component list --installed 2>/dev/null | grep -q "^$comp" || rustup component add "$comp"
  done
fi
echo "==> toolchain: $(cargo --version), node $(node --version), npm $(npm --version)"

if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "==> installing tauri-driver (WebDriver for the app's end-to-end tests)"
  cargo install tauri-driver --version '^2' --locked --quiet
fi

# `npm install` honours the lockfile (`npm ci` trips over other platforms' optional binaries)
echo "==> npm packages of the UI"
npm install --prefix ui --no-audit --no-fund --loglevel=error
# the stock Yjs server and client the relay test (tests/relay.rs) and the sync benchmark run
echo "==> stock Yjs server and client (bench/yjs)"
npm install --prefix bench/yjs --no-audit --no-fund --loglevel=error
