#!/bin/sh
# Checks that a stock LSP client other than VS Code's works with `irqlens lsp --stdio`:
# headless Neovim (0.7+) on a temporary copy of the DTrace example. Needs `nvim` and a build.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
workspace=$(mktemp -d)
trap 'rm -rf "$workspace"' EXIT
cp -R "$root/examples/dtrace-deadman/." "$workspace/"
IRQLENS_ROOT=$root IRQLENS_WORKSPACE=$workspace nvim --headless --noplugin -u NONE -c "luafile $root/scripts/nvim-lsp-check.lua"
