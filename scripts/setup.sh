#!/usr/bin/env bash
# Sets up the controller: a virtualenv in .venv with the pinned Python
# requirements and the command lines, the Ansible collections in ./collections, extracted from
# the `ansible` community package on PyPI (Galaxy is not reachable here), and
# the tests' Node packages in tests/node/node_modules (npm ci).
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
ANSIBLE_BUNDLE_VERSION=${ANSIBLE_BUNDLE_VERSION:-12.3.0}   # last release for Python 3.11
COLLECTIONS="community.postgresql community.general community.docker ansible.posix"

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.txt
# The command lines sqlite-to-postgres and postgres-to-sqlite (pyproject.toml's
# console scripts), editable: they run this clone's module_utils.
.venv/bin/python -m pip install -q --no-deps -e .

stamp=collections/.installed-from-ansible-$ANSIBLE_BUNDLE_VERSION
if [ ! -f "$stamp" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  .venv/bin/python -m pip download -q --no-deps --only-binary=:all: -d "$tmp" "ansible==$ANSIBLE_BUNDLE_VERSION"
  rm -rf collections/ansible_collections
  mkdir -p collections/ansible_collections
  .venv/bin/python - "$tmp"/ansible-*.whl $COLLECTIONS <<'PY'
import sys, zipfile
wheel, names = sys.argv[1], sys.argv[2:]
prefixes = ["ansible_collections/%s/%s/" % tuple(n.split(".")) for n in names]
with zipfile.ZipFile(wheel) as z:
    members = [m for m in z.namelist() if any(m.startswith(p) for p in prefixes)]
    z.extractall("collections", members)
print("extracted %d files for %s" % (len(members), ", ".join(names)))
PY
  touch "$stamp"
fi
# Node's dotenv, the .env parser of the application, for the tests that read
# the roles' .env with it (tests/node/package-lock.json pins the versions).
# Node and npm come from the OS (scripts/prepare-host.sh: Debian's nodejs, npm).
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: npm is missing: install Node.js and npm (scripts/prepare-host.sh does, as root)" >&2
  exit 1
fi
if ! cmp -s tests/node/package-lock.json tests/node/node_modules/.installed-from-lock 2>/dev/null; then
  npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
  cp tests/node/package-lock.json tests/node/node_modules/.installed-from-lock
fi
echo "setup: done (.venv, collections: $COLLECTIONS, tests/node: dotenv)"
