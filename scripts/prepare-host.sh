#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (run as root) for the project's tests:
# the OS packages the tests need (Node.js and npm among them, tmux for the
# command line's terminal test, pgBackRest), qemu's binfmt registration for
# the arm64 and armhf (Raspberry Pi) test hosts, the Docker daemon, and
# the test-host images.
# Idempotent; each step only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in docker.io debootstrap qemu-user-static binfmt-support postgresql-15 pgbackrest \
           postgresql-client-15 sqlite3 python3-venv python3-psycopg2 pgloader tmux; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
# Node and npm, for the tests that read the .env with the application's parser
# (Node's dotenv): Debian's packages, unless a node is already installed.
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "prepare-host: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# arm64 and armhf binaries (the Pi test hosts) run through qemu-user; the
# kernel must know.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
for emulator in qemu-aarch64 qemu-arm; do
  [ -e "/proc/sys/fs/binfmt_misc/$emulator" ] || update-binfmts --enable "$emulator"
done

# The Compose v2 CLI plugin (community.docker.docker_compose_v2 needs >= 2.18):
# Debian 12 only has docker-compose 1.x, so the plugin binary is taken from
# trixie's docker-compose package (Depends: libc6 only), fetched by apt with
# its signature checked against the archive keyring, through a throw-away
# sources list: trixie never enters this machine's apt sources.
PLUGIN=/usr/local/lib/docker/cli-plugins/docker-compose
if ! /usr/bin/docker compose version >/dev/null 2>&1; then
  echo "prepare-host: installing the docker compose plugin from Debian trixie"
  MIRROR=${DEBIAN_MIRROR:-$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
  tmp=$(mktemp -d /var/tmp/compose-plugin.XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
  # apt fetches as _apt: it must reach the lists and write the download.
  chmod 755 "$tmp"
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/deb"
  chown _apt "$tmp/deb"
  echo "deb [arch=$(dpkg --print-architecture) signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR trixie main" \
    > "$tmp/trixie.list"
  apt_tmp=(-o Dir::Etc::SourceList="$tmp/trixie.list" -o Dir::Etc::SourceParts=- -o Dir::State::Lists="$tmp/lists"
           -o Dir::Cache="$tmp/cache" -o Acquire::Languages=none)
  apt-get -qq "${apt_tmp[@]}" update
  (cd "$tmp/deb" && apt-get -qq "${apt_tmp[@]}" download docker-compose)
  dpkg-deb -x "$tmp"/deb/docker-compose_*.deb "$tmp/root"
  install -D -m 0755 "$tmp/root/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGIN"
  rm -rf "$tmp"
  trap - EXIT
  /usr/bin/docker compose version
fi

bash scripts/start-dockerd.sh
bash scripts/build-test-images.sh "$@"
