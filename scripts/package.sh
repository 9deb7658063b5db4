#!/usr/bin/env bash
# Builds Groundwork's Linux packages with Tauri's own bundler (the Tauri CLI from the UI's npm
# devDependencies; it downloads nothing for these two formats):
#   - a .deb: the desktop app (/usr/bin/groundwork-app) with its icons and desktop entry, the
#     headless CLI (/usr/bin/groundwork), the version from src-tauri/Cargo.toml, and the
#     WebKitGTK/GTK runtime libraries as package dependencies, so `apt install ./groundwork_*.deb`
#     on a fresh Debian or Ubuntu pulls what it needs;
#   - an .rpm with the same contents (the bundler writes it in Rust, with no rpmbuild).
# The packages land in dist/ (printed at the end). Expects scripts/install.sh to have run.
#   PROFILE=debug bash scripts/package.sh   packages the debug build instead (what the e2e built)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TARGET_DIR="$TARGET"
PROFILE="${PROFILE:-release}"
case "$PROFILE" in
  release) profile_flag=(); cargo_flag=(--release) ;;
  debug) profile_flag=(--debug); cargo_flag=() ;;
  *) echo "error: PROFILE is release or debug, not '$PROFILE'" >&2; exit 2 ;;
esac

npm --prefix ui run build --silent
# the CLI goes into the package beside the app: build it with the same profile first (with the
# app in one invocation, as scripts/e2e.sh does, so the dependencies' features are the same and
# the bundler's build finds them built)
cargo build --locked "${cargo_flag[@]}" -p groundwork-app -p groundwork
cli="$TARGET/$PROFILE/groundwork"

# the CLI's path depends on the target directory, so it is passed as a config overlay
overlay=$(printf '{"bundle":{"linux":{"deb":{"files":{"/usr/bin/groundwork":"%s"}},"rpm":{"files":{"/usr/bin/groundwork":"%s"}}}}}' "$cli" "$cli")
bundle_dir="$TARGET/$PROFILE/bundle"
rm -rf "$bundle_dir/deb" "$bundle_dir/rpm"
(cd src-tauri && ../ui/node_modules/.bin/tauri build "${profile_flag[@]}" --ci \
  --bundles deb,rpm --config "$overlay" -- --locked)

mkdir -p dist
rm -f dist/*.deb dist/*.rpm
# Tauri names them after the product ("Groundwork_0.1.0_amd64.deb"); Debian's convention is the
# package name in lower case, which is what the README's `apt install ./groundwork_*.deb` says
for f in "$bundle_dir"/deb/*.deb "$bundle_dir"/rpm/*.rpm; do
  base=$(basename "$f")
  cp "$f" "dist/$(tr '[:upper:]' '[:lower:]' <<<"${base:0:1}")${base:1}"
done
echo "==> packages"
ls -1 "$PWD"/dist/*.deb "$PWD"/dist/*.rpm
