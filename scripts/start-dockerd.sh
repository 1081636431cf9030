#!/usr/bin/env bash
# Starts the Docker daemon when it is not running. PID 1 is not systemd on the
# project's machines, so the daemon is started by hand (see
# ../shared/notes/test-hosts.md). Idempotent.
set -euo pipefail
DOCKER=/usr/bin/docker   # Debian's client; an older one may sit in /usr/local/bin
if "$DOCKER" info >/dev/null 2>&1; then
  exit 0
fi
if command -v systemctl >/dev/null 2>&1 && [ "$(cat /proc/1/comm)" = systemd ]; then
  systemctl start docker
else
  mkdir -p /var/log
  setsid /usr/sbin/dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
fi
for _ in $(seq 1 60); do
  "$DOCKER" info >/dev/null 2>&1 && exit 0
  sleep 1
done
echo "dockerd did not come up; see /var/log/dockerd.log" >&2
tail -20 /var/log/dockerd.log >&2 || true
exit 1
