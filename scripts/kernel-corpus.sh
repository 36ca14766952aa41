#!/usr/bin/env bash
# Installs Debian's linux-source-6.1 and extracts drivers/, kernel/, mm/ and
# arch/x86/kernel/ into .cache/linux-6.1 (gitignored). Real kernel code is for
# benchmarks and evaluation only; it is never committed. Prints the corpus path.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/linux-6.1
if [ ! -f "$dest/.complete" ]; then
  tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -1 || true)
  if [ -z "$tarball" ]; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-source-6.1 >&2
    tarball=$(ls /usr/src/linux-source-6.1.tar.* | head -1)
  fi
  rm -rf "$dest" && mkdir -p "$dest"
  tar -xf "$tarball" -C "$dest" --strip-components=1 \
    linux-source-6.1/drivers linux-source-6.1/kernel linux-source-6.1/mm linux-source-6.1/arch/x86/kernel
  touch "$dest/.complete"
fi
echo "$dest"
