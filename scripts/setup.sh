#!/usr/bin/env bash
# Installs what rbmdyn needs beyond a Rust toolchain, on Debian/Ubuntu:
#   - fontconfig + freetype headers and a font (plotters draws the text of PNG figures with them);
#   - python3 numpy (optional: the numpy cross-check tests and the performance baselines).
# Idempotent: installs only what is missing. Run as root or with sudo available.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

need=()
for pkg in pkg-config libfontconfig1-dev libfreetype-dev fonts-dejavu-core; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "setup: please install the fontconfig and freetype development packages and a TTF font (${need[*]})" >&2
  fi
fi

if command -v python3 >/dev/null 2>&1; then
  if ! python3 -c 'import numpy' >/dev/null 2>&1; then
    echo "setup: installing numpy for the cross-check tests"
    python3 -m pip install --quiet numpy || echo "setup: numpy not installed; the numpy cross-checks will be skipped" >&2
  fi
else
  echo "setup: no python3; the numpy cross-checks will be skipped" >&2
fi
echo "setup: done"
