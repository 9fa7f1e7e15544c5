#!/bin/bash
# Installs, from Debian's archive, what building skopos needs (--build) or what the
# whole test suite needs as well (--test). Run as root on Debian 12.
set -euo pipefail

build_packages=(
  meson ninja-build pkg-config gcc libc6-dev
  libglib2.0-dev libjson-glib-dev libssl-dev zlib1g-dev libzstd-dev
  libcurl4-openssl-dev libarchive-dev go-md2man
)
test_packages=(
  check binutils make python3 jq strace time zstd xz-utils
  skopeo umoci oci-image-tool
  docker-registry apache2-utils openssl
  docker.io podman uidmap slirp4netns fuse-overlayfs
  libclang-rt-14-dev
)

packages=("${build_packages[@]}")
case "${1:---build}" in
  --build) ;;
  --test) packages+=("${test_packages[@]}") ;;
  *) echo "usage: $0 [--build|--test]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "All ${#packages[@]} packages are installed."
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "Installing: ${missing[*]}"
$SUDO apt-get update -qq
# dockerd must not start as a system service just because it was installed: the
# tests start their own engine on a private socket.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
