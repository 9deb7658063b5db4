#!/usr/bin/env bash
# Installs what Groundwork needs on a fresh Debian or Ubuntu machine: system packages and the
# Rust components. Safe to run again; it skips what is already there.
set -euo pipefail

need_apt=()
for pkg in build-essential pkg-config ca-certificates iproute2 util-linux; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> installing system packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_apt[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "==> no Rust toolchain found; installing rustup"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    if apt-cache show rustup >/dev/null 2>&1; then
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q rustup
    else
      echo "error: install Rust >= 1.90 with rustup (https://rustup.rs), then run this again" >&2
      exit 1
    fi
    rustup default stable
  fi
fi

if command -v rustup >/dev/null 2>&1; then
  for comp in clippy rustfmt; do
    rustup component list --installed 2>/dev/null | grep -q "^$comp" || rustup component add "$comp"
  done
fi
echo "==> toolchain: $(cargo --version)"
