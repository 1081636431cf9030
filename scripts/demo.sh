#!/usr/bin/env bash
# The built-in default: migrate a sample Bwaincell database on this machine.
#   scripts/demo.sh                 sample of 1,000 rows (kept if it exists)
#   ROWS=100000 scripts/demo.sh     a larger one (when none exists yet)
#   scripts/demo.sh -v              extra arguments go to ansible-playbook
# Writes sample/bwaincell.sqlite (git-ignored) and a .env next to it, then runs
# `ansible-playbook migrate.yml -l local`. The report lands in reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .venv/bin/activate ] && source .venv/bin/activate  # shellcheck disable=SC1091
PYTHON=${PYTHON:-python3}
mkdir -p sample
if [ ! -f sample/bwaincell.sqlite ]; then
  "$PYTHON" scripts/bwaincell_sample.py --rows "${ROWS:-1000}" --seed "${SEED:-42}" sample/bwaincell.sqlite
fi
if [ ! -f sample/.env ]; then
  umask 077
  printf '# SQLite database path\nDATABASE_PATH=./bwaincell.sqlite\n' > sample/.env
fi
exec ansible-playbook migrate.yml -l local "$@"
