# Shared set-up steps for scripts/run and scripts/test. Each step is idempotent and cheap when
# there is nothing to do, so both commands can call all of them on every start.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
export PEERSHARE_CACHE="${PEERSHARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/peershare}"
export DEBIAN_FRONTEND=noninteractive

say() { printf '[peershare] %s\n' "$*" >&2; }

_apt_updated=""
# ensure_debian_packages PKG...: installs the ones that are missing (root, or sudo when available).
ensure_debian_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing Debian packages: ${missing[*]}"
  if [ -z "$_apt_updated" ]; then $sudo apt-get update -qq; _apt_updated=1; fi
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_venv EXTRAS: the project's virtualenv with its Python packages and the comma-separated
# extras (e.g. "test,media"); reinstalls only when pyproject.toml changed or an extra is new.
ensure_venv() {
  [ -x "$VENV/bin/python" ] || { say "creating $VENV"; python3 -m venv "$VENV"; }
  local stamp="$VENV/.peershare-installed" hash have="" extras spec
  hash="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  [ "$(head -n 1 "$stamp" 2>/dev/null)" = "$hash" ] && have="$(tail -n +2 "$stamp")"
  # Keep the extras installed before, so `run` after `test` does not flip-flop installs.
  extras="$(printf '%s\n' $have ${1//,/ } | sed '/^$/d' | sort -u)"
  [ "$(head -n 1 "$stamp" 2>/dev/null)" = "$hash" ] && [ "$extras" = "$have" ] && return 0
  spec="$ROOT"
  [ -z "$extras" ] || spec="$ROOT[$(paste -sd, <<<"$extras")]"
  say "installing Python packages: $spec"
  if ! { "$VENV/bin/pip" install -q --upgrade pip && "$VENV/bin/pip" install -q -e "$spec"; } \
      >"$VENV/pip.log" 2>&1; then
    cat "$VENV/pip.log" >&2
    return 1
  fi
  printf '%s\n' "$hash" $extras >"$stamp"
}

# ensure_worker: the mediasoup worker binary, built once per machine into $PEERSHARE_CACHE.
ensure_worker() {
  if [ -z "${MEDIASOUP_WORKER_BIN:-}" ]; then
    MEDIASOUP_WORKER_BIN="$(bash "$ROOT/media_worker/build.sh" | tail -n 1)"
    export MEDIASOUP_WORKER_BIN
  fi
}

# ensure_webclient: webclient/node_modules from the lock file, and webclient/dist built from the
# sources; each step reruns only when its inputs changed.
ensure_webclient() {
  local web="$ROOT/webclient" lock_hash src_hash
  command -v npm >/dev/null || ensure_debian_packages nodejs npm
  lock_hash="$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$web/node_modules/.peershare-lock" 2>/dev/null)" != "$lock_hash" ]; then
    say "installing the web client's packages"
    # The electron package is there for its type definitions (the desktop app's type check); its
    # binary comes from GitHub, outside the registry, and is never fetched here.
    (cd "$web" && ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) >&2
    echo "$lock_hash" >"$web/node_modules/.peershare-lock"
  fi
  src_hash="$(cd "$web" && find src public tools index.html package-lock.json tsconfig.json vite.config.ts -type f -print0 \
    | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$web/dist/.peershare-src" 2>/dev/null)" != "$src_hash" ]; then
    say "building the web client"
    (cd "$web" && npm run --silent build) >&2
    echo "$src_hash" >"$web/dist/.peershare-src"
  fi
}
