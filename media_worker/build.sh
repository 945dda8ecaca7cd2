#!/usr/bin/env bash
# Builds mediasoup-worker (the version in media_worker/VERSION) from the npm registry tarball
# against Debian's libraries, offline, and caches the binary outside the clone:
#   $PEERSHARE_CACHE/mediasoup-worker-<version>/mediasoup-worker
# Does nothing when that binary exists. Prints the binary's path as its last line.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VERSION="$(cat "$HERE/VERSION")"
CACHE="${PEERSHARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/peershare}"
OUT="$CACHE/mediasoup-worker-$VERSION"
BIN="$OUT/mediasoup-worker"
if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi

log() { printf '[media_worker] %s\n' "$*" >&2; }
export DEBIAN_FRONTEND=noninteractive
PACKAGES=(g++ pkg-config ninja-build libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev
          nlohmann-json3-dev catch2 python3-venv)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's meson is 1.0; the worker wants >= 1.1: a small venv of our own, kept in the cache.
TOOLS="$CACHE/build-tools"
if [ ! -x "$TOOLS/bin/meson" ]; then
  log "installing meson into $TOOLS"
  python3 -m venv "$TOOLS"
  "$TOOLS/bin/pip" install -q --disable-pip-version-check "meson>=1.1,<2" >/dev/null
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
log "fetching mediasoup@$VERSION from the npm registry"
(cd "$WORK" && npm pack --silent "mediasoup@$VERSION" >/dev/null && tar xzf "mediasoup-$VERSION.tgz")
WORKER="$WORK/package/worker"

# Each subproject the worker asks for becomes a shim around the system library (no downloads).
rm -f "$WORKER"/subprojects/*.wrap
cp -r "$HERE"/shims/* "$WORKER/subprojects/"

log "building (a few minutes on 2 cores)"
"$TOOLS/bin/meson" setup "$WORK/build" "$WORKER" --buildtype=release -Db_ndebug=true \
  --wrap-mode=nodownload >"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log" >&2; exit 1; }
ninja -C "$WORK/build" mediasoup-worker >"$WORK/ninja.log" 2>&1 || { tail -50 "$WORK/ninja.log" >&2; exit 1; }

mkdir -p "$OUT"
install -m 0755 "$WORK/build/mediasoup-worker" "$BIN.tmp"
mv "$BIN.tmp" "$BIN"
log "built $BIN"
echo "$BIN"
