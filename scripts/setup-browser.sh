#!/usr/bin/env bash
# What the browser tests (tests/test_browser.py) need, installed on a fresh machine and
# checked in about a second when already there:
#   - Chromium from Debian (apt package "chromium", /usr/bin/chromium): Playwright drives it;
#     Playwright's own browser downloads are never used (they cannot be fetched here);
#   - Playwright for Python, pinned, into .venv (the pin of requirements.txt when it has one);
#   - axe-core, pinned, from the npm registry into build/browser/ (ignored by git), injected
#     into pages by the accessibility test.
# Usage: bash scripts/setup-browser.sh        (as root, or a user with sudo, for apt)
set -euo pipefail
cd "$(dirname "$0")/.."

PLAYWRIGHT_DEFAULT=1.65.2
AXE_VERSION=4.14.1
TOOLS=build/browser
PY=${PYTHON:-.venv/bin/python}

say() { echo "setup-browser: $*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo -n "$@"
  else say "need root (or sudo) to run: $*" >&2; return 1
  fi
}

apt_install() {  # apt_install PACKAGE...: install, refreshing the package lists once if needed
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 \
    || { as_root apt-get update -qq >/dev/null && \
         as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
}

# 1. Chromium, from Debian.
if [ -x /usr/bin/chromium ]; then
  say "chromium present"
else
  say "installing Debian's chromium (apt)..."
  apt_install chromium fonts-liberation
fi
/usr/bin/chromium --version 2>/dev/null | sed 's/^/setup-browser: /' || { say "chromium does not start" >&2; exit 1; }

# 2. Playwright for Python, pinned (no browser download: it drives /usr/bin/chromium).
[ -x "$PY" ] || { say "$PY not found: run 'make setup' first" >&2; exit 1; }
pin=$(sed -n 's/^playwright==\([^ ;#]*\).*/\1/p' requirements.txt 2>/dev/null | head -n1)
pin=${pin:-$PLAYWRIGHT_DEFAULT}
have=$("$PY" -c 'import importlib.metadata as m; print(m.version("playwright"))' 2>/dev/null || true)
if [ "$have" = "$pin" ]; then
  say "playwright $pin present"
else
  say "installing playwright==$pin into .venv (pip)..."
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$PY" -m pip install --quiet "playwright==$pin"
fi

# 3. axe-core, pinned, from the npm registry.
axe_have=$(node -p "require('./$TOOLS/node_modules/axe-core/package.json').version" 2>/dev/null || true)
if [ "$axe_have" = "$AXE_VERSION" ]; then
  say "axe-core $AXE_VERSION present"
else
  command -v npm >/dev/null || { say "installing nodejs and npm (apt)..."; apt_install nodejs npm; }
  say "installing axe-core@$AXE_VERSION into $TOOLS (npm)..."
  mkdir -p "$TOOLS"
  [ -f "$TOOLS/package.json" ] || echo '{"name": "course-browser-tools", "private": true}' > "$TOOLS/package.json"
  npm install --prefix "$TOOLS" --no-audit --no-fund --save-exact --loglevel=error "axe-core@$AXE_VERSION" >/dev/null
fi
[ -f "$TOOLS/node_modules/axe-core/axe.min.js" ] || { say "axe-core did not install" >&2; exit 1; }
say "ready"
