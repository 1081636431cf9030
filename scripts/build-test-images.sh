#!/usr/bin/env bash
# Builds the test-host images from Debian's mirror (no registry is reachable):
#   bwaincell-test/debian12:amd64   Debian 12 with systemd, for the default,
#                                   macos and migration scenarios
#   bwaincell-test/debian12:arm64   the same for arm64 (the Raspberry Pi
#                                   scenario), run under qemu-user emulation
#   bwaincell-test/debian12:armhf   the same for armhf (the 32-bit Raspberry
#                                   Pi scenario pi_armhf), under qemu-arm
# Usage: build-test-images.sh [amd64] [arm64] [armhf]   (default: all three)
# An image that exists is kept; FORCE=1 rebuilds.
set -euo pipefail
DOCKER=/usr/bin/docker
ARCHES=("$@"); [ ${#ARCHES[@]} -gt 0 ] || ARCHES=(amd64 arm64 armhf)
SOURCES=/etc/apt/sources.list.d/debian.sources
MIRROR=${DEBIAN_MIRROR:-$(awk '/^URIs:/ {print $2; exit}' "$SOURCES" 2>/dev/null || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
PACKAGES=systemd,systemd-sysv,python3,python3-apt,sudo,ca-certificates,gnupg,iproute2,procps,curl

for arch in "${ARCHES[@]}"; do
  image=bwaincell-test/debian12:$arch
  if [ -z "${FORCE:-}" ] && "$DOCKER" image inspect "$image" >/dev/null 2>&1; then
    echo "image $image: present"
    continue
  fi
  rootfs=$(mktemp -d /var/tmp/rootfs-$arch.XXXXXX)
  echo "image $image: debootstrap from $MIRROR"
  debootstrap --arch="$arch" --variant=minbase --include="$PACKAGES" bookworm "$rootfs" "$MIRROR" \
    > "/var/tmp/debootstrap-$arch.log" 2>&1 || { tail -30 "/var/tmp/debootstrap-$arch.log"; exit 1; }
  if [ -f "$SOURCES" ]; then
    rm -f "$rootfs/etc/apt/sources.list"
    cp "$SOURCES" "$rootfs/etc/apt/sources.list.d/"
  fi
  # Containers have no console to get a login on, and no network to wait for.
  for unit in getty@tty1.service console-getty.service systemd-networkd-wait-online.service; do
    ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
  done
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | "$DOCKER" import -c 'CMD ["/sbin/init"]' - "$image" >/dev/null
  rm -rf "$rootfs"
  echo "image $image: built"
done
