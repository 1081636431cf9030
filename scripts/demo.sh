#!/usr/bin/env bash
# The main job on the built-in default: migrate a sample Bwaincell SQLite
# database on this machine into a local PostgreSQL 15 (README, step 1).
#   bash scripts/demo.sh                 sample of 1,000 rows (kept if it exists)
#   ROWS=100000 bash scripts/demo.sh     a larger one (when none exists yet)
#   bash scripts/demo.sh -v              extra arguments go to ansible-playbook
# On a fresh Debian 12 machine (as root) it first sets up the controller
# (scripts/setup.sh: .venv and the collections). It writes
# sample/bwaincell.sqlite (git-ignored, scripts/bwaincell_sample.py) and a
# .env next to it, then runs `ansible-playbook migrate.yml -l local`, which
# installs and starts PostgreSQL 15 (roles/postgresql), backs the sample up,
# copies and verifies it, and switches the .env. The report lands in reports/.
# A second run changes nothing; `ansible-playbook rollback.yml -l local` goes back.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/ansible-playbook ] || ! ls collections/.installed-from-ansible-* >/dev/null 2>&1; then
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "demo: installing python3-venv"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  fi
  bash scripts/setup.sh
fi
# shellcheck disable=SC1091
source .venv/bin/activate

mkdir -p sample
if [ ! -f sample/bwaincell.sqlite ]; then
  python3 scripts/bwaincell_sample.py --rows "${ROWS:-1000}" --seed "${SEED:-42}" sample/bwaincell.sqlite
fi
if [ ! -f sample/.env ]; then
  (umask 077 && printf '# SQLite database path\nDATABASE_PATH=./bwaincell.sqlite\n' > sample/.env)
fi
exec ansible-playbook migrate.yml -l local "$@"
