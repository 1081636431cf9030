#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (run as root) for the project's tests:
# the OS packages the tests need, qemu's binfmt registration for the arm64
# (Raspberry Pi) test host, the Docker daemon, and the test-host images.
# Idempotent; each step only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in docker.io debootstrap qemu-user-static binfmt-support postgresql-15 \
           postgresql-client-15 sqlite3 python3-venv python3-psycopg2 pgloader; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "prepare-host: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# arm64 binaries (the Pi test host) run through qemu-user; the kernel must know.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64

bash scripts/start-dockerd.sh
bash scripts/build-test-images.sh "$@"
