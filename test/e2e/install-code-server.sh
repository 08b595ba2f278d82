#!/bin/sh
# Installs the code-server the end-to-end tests drive, exactly as pinned by
# test/e2e/code-server/package.json + package-lock.json, into node_modules/.cache/iova-lens-e2e/
# code-server of the repository (or $IOVA_LENS_CODE_SERVER_DIR): outside test/, whose tree the
# test runner, tsc and eslint walk. Idempotent: returns at once when that version is already
# installed and complete.
#
# Works without access to GitHub: code-server's own postinstall runs `npm install` in its bundled
# VS Code, whose @vscode/ripgrep would download a ripgrep build from GitHub. That postinstall
# looks for a cached download first, so we put one there, made from the system's ripgrep
# (Debian package ripgrep, /usr/bin/rg), for every @vscode/ripgrep version the lock files name.
#
# Needs: Node 20 + npm, ripgrep (rg), tar, and the npm registry.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SPEC="$HERE/code-server"
DIR="${IOVA_LENS_CODE_SERVER_DIR:-$ROOT/node_modules/.cache/iova-lens-e2e/code-server}"
WANT=$(node -p "require('$SPEC/package.json').dependencies['code-server']")
INSTALLED="$DIR/node_modules/code-server"
VSCODE="$INSTALLED/lib/vscode"

installed_version() {
  node -p "try { require('$INSTALLED/package.json').version } catch { '' }" 2>/dev/null || true
}

# Complete = the pinned version, its bundled VS Code installed, and ripgrep in place (the last
# thing the postinstall produces).
if [ "$(installed_version)" = "$WANT" ] && [ -f "$VSCODE/out/server-main.js" ] &&
  [ -x "$VSCODE/node_modules/@vscode/ripgrep/bin/rg" ] && [ -d "$VSCODE/extensions/node_modules" ] &&
  cmp -s "$SPEC/package-lock.json" "$DIR/package-lock.json"; then
  echo "code-server $WANT already installed in $DIR"
  exit 0
fi

case "$(node -p 'process.versions.node.split(".")[0]')" in
  20) ;;
  *) echo "install-code-server.sh: code-server $WANT needs Node 20, this is $(node --version)" >&2; exit 1 ;;
esac
RG=$(command -v rg || true)
if [ -z "$RG" ]; then
  echo "install-code-server.sh: ripgrep (rg) is missing; install the Debian package ripgrep (scripts/install-system-deps.sh)" >&2
  exit 1
fi

export npm_config_yes=true
# code-server's postinstall refuses to run as root without it
export npm_config_unsafe_perm=true

mkdir -p "$DIR"
cp "$SPEC/package.json" "$SPEC/package-lock.json" "$DIR/"
cd "$DIR"
echo "installing code-server $WANT into $DIR (first phase: files only)"
npm ci --ignore-scripts --no-audit --no-fund --unsafe-perm

# Every @vscode/ripgrep version named by a lock file code-server's postinstall will install from.
VERSIONS=$(node -e '
  const fs = require("fs");
  const path = require("path");
  const root = process.argv[1];
  const locks = ["package-lock.json", "node_modules/code-server/lib/vscode/npm-shrinkwrap.json",
    "node_modules/code-server/lib/vscode/package-lock.json", "node_modules/code-server/lib/vscode/extensions/npm-shrinkwrap.json",
    "node_modules/code-server/lib/vscode/extensions/package-lock.json"];
  const found = new Set();
  for (const l of locks) {
    const p = path.join(root, l);
    if (!fs.existsSync(p)) continue;
    const lock = JSON.parse(fs.readFileSync(p, "utf8"));
    for (const [k, v] of Object.entries(lock.packages ?? {}))
      if (k.endsWith("node_modules/@vscode/ripgrep") && v.version) found.add(v.version);
  }
  console.log([...found].join(" "));
' "$DIR")
if [ -z "$VERSIONS" ]; then
  echo "install-code-server.sh: no @vscode/ripgrep in code-server's lock files; the ripgrep cache recipe needs revisiting" >&2
  exit 1
fi

case "$(uname -m)" in
  x86_64) TARGET=x86_64-unknown-linux-musl ;;
  aarch64) TARGET=aarch64-unknown-linux-musl ;;
  *) echo "install-code-server.sh: no ripgrep cache recipe for $(uname -m)" >&2; exit 1 ;;
esac

TMP=$(node -p 'require("os").tmpdir()')
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp "$RG" "$WORK/rg"
for V in $VERSIONS; do
  # The ripgrep build tag each @vscode/ripgrep version downloads is a constant of its postinstall.
  mkdir -p "$WORK/pkg-$V"
  (cd "$WORK/pkg-$V" && npm pack "@vscode/ripgrep@$V" --silent >/dev/null && tar xzf ./*.tgz)
  TAG=$(sed -n "s/^const VERSION = '\(v[^']*\)'.*/\1/p" "$WORK/pkg-$V/package/lib/postinstall.js")
  if [ -z "$TAG" ]; then
    echo "install-code-server.sh: cannot read the ripgrep build tag of @vscode/ripgrep $V" >&2
    exit 1
  fi
  CACHE="$TMP/vscode-ripgrep-cache-$V"
  mkdir -p "$CACHE"
  tar czf "$CACHE/ripgrep-$TAG-$TARGET.tar.gz" -C "$WORK" rg
  echo "ripgrep cache for @vscode/ripgrep $V: $CACHE/ripgrep-$TAG-$TARGET.tar.gz (from $RG)"
done

echo "second phase: install scripts (code-server installs its bundled VS Code; takes a minute or two)"
npm rebuild --unsafe-perm --no-audit --no-fund

if [ "$(installed_version)" != "$WANT" ] || [ ! -x "$VSCODE/node_modules/@vscode/ripgrep/bin/rg" ]; then
  echo "install-code-server.sh: the install finished but code-server $WANT is incomplete in $DIR" >&2
  exit 1
fi
echo "code-server $WANT installed: $DIR/node_modules/.bin/code-server"
