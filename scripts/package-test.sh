#!/usr/bin/env bash
# The packaging test: builds the .deb and .rpm with scripts/package.sh, inspects them (the
# control fields and files the user gets: both binaries, the desktop entry, the icons, the
# declared dependencies, the version from Cargo.toml), installs the .deb on this machine with
# apt, then the installed CLI creates and shows a brief and the installed app starts under
# Xvfb (ui/e2e/installed.e2e.mjs, through tauri-driver). The package is removed again at the end,
# also when a check fails.
#   PROFILE=debug (the default here) packages the build the end-to-end tests already made, so
#   CI does not compile the app a second time in release; `bash scripts/package.sh` on its own
#   builds release packages for users.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export PROFILE="${PROFILE:-debug}"

fail() { echo "package test FAILED: $*" >&2; exit 1; }
has() { grep -qE "$2" <<<"$1" || fail "$3 (looked for /$2/)"; }

bash scripts/package.sh
version=$(sed -n 's/^version = "\(.*\)"/\1/p' src-tauri/Cargo.toml | head -1)
deb="dist/groundwork_${version}_amd64.deb"
[ -f "$deb" ] || fail "no $deb (dist/ holds: $(ls dist))"
rpm_file=$(ls dist/*.rpm 2>/dev/null | head -1) || true

echo "==> $deb: control fields"
info=$(dpkg-deb -I "$deb")
echo "$info" | sed -n '/Package:/,$p'
has "$info" '^ Package: groundwork$' "package name"
has "$info" "^ Version: ${version//./\\.}\$" "version from src-tauri/Cargo.toml ($version)"
has "$info" '^ Depends:.*libwebkit2gtk-4\.1-0' "WebKitGTK as a dependency"
has "$info" '^ Depends:.*libgtk-3-0' "GTK as a dependency"

echo "==> $deb: files"
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./||')
echo "$files" | grep -v '/$'
has "$files" '^usr/bin/groundwork-app$' "the app binary"
has "$files" '^usr/bin/groundwork$' "the CLI on the PATH"
has "$files" '^usr/share/applications/[^/]+\.desktop$' "a desktop entry"
has "$files" '^usr/share/icons/hicolor/128x128/apps/groundwork-app\.png$' "the 128x128 icon"

tmp=$(mktemp -d)
cleanup() {
  if dpkg -s groundwork >/dev/null 2>&1; then
    echo "==> removing the test install"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q groundwork >/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

dpkg-deb -x "$deb" "$tmp/root"
entry=$(cat "$tmp"/root/usr/share/applications/*.desktop)
echo "$entry"
has "$entry" '^Exec=groundwork-app' "the desktop entry starts the app"
has "$entry" '^Icon=groundwork-app$' "the desktop entry names the icon"
has "$entry" '^Name=Groundwork$' "the desktop entry's name"
has "$entry" '^Categories=.*Office' "the desktop entry's category"
desktop-file-validate "$tmp"/root/usr/share/applications/*.desktop || fail "desktop-file-validate"
"$tmp/root/usr/bin/groundwork" --version | grep -qx "groundwork $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)" \
  || fail "the packaged CLI's --version"

echo "==> every library the app links comes with the declared dependencies"
depends=$(sed -n 's/^ Depends: //p' <<<"$info" | tr -d ' ' | tr ',' ' ')
closure=$( (apt-cache depends --recurse --important --no-recommends --no-suggests $depends 2>/dev/null || true) \
  | grep -v '^ ' | sed 's/:amd64$//' | sort -u)
missing=""
for lib in $(ldd "$tmp/root/usr/bin/groundwork-app" | awk '/=>/ {print $3}'); do
  pkg=$( (dpkg -S "$(readlink -f "$lib")" 2>/dev/null || true) | head -1 | cut -d: -f1)
  [ -z "$pkg" ] && continue # not from a package (the loader's own)
  grep -qx "$pkg" <<<"$closure" || missing+=" $pkg($lib)"
done
[ -z "$missing" ] || fail "linked libraries whose packages Depends does not bring:$missing"
echo "$(ldd "$tmp/root/usr/bin/groundwork-app" | grep -c '=>') libraries, all from: $depends and what they depend on"

if [ -n "$rpm_file" ]; then
  echo "==> $rpm_file"
  rpm -qip "$rpm_file" | grep -E '^(Name|Version|Architecture)'
  rpm_files=$(rpm -qlp "$rpm_file")
  has "$rpm_files" '^/usr/bin/groundwork-app$' "the app in the rpm"
  has "$rpm_files" '^/usr/bin/groundwork$' "the CLI in the rpm"
  has "$rpm_files" '^/usr/share/applications/[^/]+\.desktop$' "a desktop entry in the rpm"
  has "$(rpm -qp --requires "$rpm_file")" 'libwebkit2gtk-4\.1\.so' "WebKitGTK as an rpm dependency (by soname)"
else
  fail "no .rpm in dist/"
fi

echo "==> apt install ./$deb"
# the install needs the package's Installed-Size (KiB) free under /usr: say so plainly rather
# than letting dpkg fail half-way through unpacking
need_kib=$(sed -n 's/^ Installed-Size: //p' <<<"$info")
free_kib=$(df -Pk /usr | awk 'NR==2 {print $4}')
[ "$free_kib" -gt $((need_kib + 100 * 1024)) ] \
  || fail "not enough disk to install: $((need_kib / 1024)) MiB needed plus 100 MiB spare, $((free_kib / 1024)) MiB free under /usr"
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$deb" >"$tmp/apt.log" 2>&1; then
  tail -n 30 "$tmp/apt.log" >&2
  df -h /usr >&2
  fail "apt-get install ./$deb (its output above)"
fi
[ "$(command -v groundwork)" = /usr/bin/groundwork ] || fail "groundwork on the PATH is $(command -v groundwork)"
[ "$(command -v groundwork-app)" = /usr/bin/groundwork-app ] || fail "groundwork-app on the PATH"

echo "==> the installed CLI creates and shows a brief"
export GROUNDWORK_DATA_DIR="$tmp/cli-data"
id=$(/usr/bin/groundwork new "Packaged brief")
/usr/bin/groundwork set "$id" problem "Installed from a .deb, <b>escaped</b>."
shown=$(/usr/bin/groundwork show "$id")
has "$shown" 'Packaged brief' "the title in show"
has "$shown" 'Installed from a \.deb' "the problem in show"
unset GROUNDWORK_DATA_DIR

echo "==> the installed app starts under Xvfb"
E2E_OUT="${E2E_OUT:-ui/e2e/screenshots}" GROUNDWORK_APP=/usr/bin/groundwork-app GROUNDWORK_CLI=/usr/bin/groundwork \
  dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24' node ui/e2e/installed.e2e.mjs
echo "==> package test passed"
