#!/usr/bin/env bash
# Installs the system OpenBLAS that the optional `openblas` cargo feature links against
# (Debian/Ubuntu package `libopenblas-dev`: libopenblas.so + cblas.h, pthreads build).
# The default build does not need it: it is pure Rust (faer). Idempotent: does nothing when the
# package is already installed. Run as root or with sudo available.
#
# Then: cargo build --release --features openblas
# Threads: OpenBLAS reads OPENBLAS_NUM_THREADS; unset, it uses all cores of the machine.
set -euo pipefail

PKG=libopenblas-dev
if dpkg -s "$PKG" >/dev/null 2>&1; then
  echo "install-openblas: $PKG is already installed ($(dpkg-query -W -f='${Version}' "$PKG"))"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-openblas: no apt-get here; install OpenBLAS (libopenblas.so and its CBLAS interface) with your" >&2
  echo "  system's package manager, or build without the 'openblas' feature (the default, pure Rust)." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-openblas: need root (or sudo) to apt-get install $PKG" >&2
    exit 1
  fi
fi
echo "install-openblas: installing $PKG"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$PKG" >/dev/null
echo "install-openblas: installed $PKG $(dpkg-query -W -f='${Version}' "$PKG")"
