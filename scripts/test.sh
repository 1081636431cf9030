#!/usr/bin/env bash
# Sets up and runs the whole test suite (the README's test command; CI runs it
# through .ci/run). Stages: prepare (OS packages, dockerd, test images),
# setup (venv, collections), lint, pytest, demo (the README's main command,
# run twice on this machine: the second run must change nothing), molecule.
#   scripts/test.sh                 everything
#   scripts/test.sh lint pytest     only those stages
#   MOLECULE_SCENARIOS="default pi" scripts/test.sh molecule
# Exits non-zero when any stage fails; every stage runs regardless, and a
# summary line per stage is printed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."

STAGES=("$@"); [ ${#STAGES[@]} -gt 0 ] || STAGES=(prepare setup lint pytest demo molecule)
SCENARIOS=${MOLECULE_SCENARIOS:-$(ls -d molecule/*/molecule.yml 2>/dev/null | cut -d/ -f2 | grep -vx shared | tr '\n' ' ')}
declare -a RESULTS=()
failed=0

run_stage() {   # name, command...
  local name=$1; shift
  local start=$SECONDS
  echo "=== $name: $*"
  if "$@"; then
    RESULTS+=("$name: ok ($((SECONDS - start)) s)")
  else
    RESULTS+=("$name: FAILED ($((SECONDS - start)) s)")
    failed=$((failed + 1))
  fi
}

activate() { # shellcheck disable=SC1091
  source .venv/bin/activate
}

# The README's first command, then again: the second run must report
# changed=0 for every host. The first run may replace what an earlier demo
# (another checkout, an earlier CI run) left in this machine's local sample
# database: without that, the playbook rightly refuses to overwrite tables it
# did not write itself.
demo_twice() {
  bash scripts/demo.sh -e bwaincell_migration_replace=true || return 1
  local out
  out=$(bash scripts/demo.sh 2>&1) || { echo "$out"; return 1; }
  echo "$out" | grep -A3 'PLAY RECAP'
  echo "$out" | grep -qE 'changed=[1-9]' && { echo "second demo run changed something"; return 1; }
  return 0
}

for stage in "${STAGES[@]}"; do
  case $stage in
    prepare) run_stage prepare bash scripts/prepare-host.sh ;;
    setup)   run_stage setup bash scripts/setup.sh ;;
    lint)
      activate
      run_stage yamllint yamllint -s .
      run_stage ansible-lint ansible-lint --offline -q
      run_stage ruff ruff check .
      run_stage ruff-format ruff format --check .
      ;;
    pytest)
      activate
      run_stage pytest python -m pytest -q -p no:cacheprovider -n 2 tests
      ;;
    demo) run_stage demo demo_twice ;;
    molecule)
      activate
      for s in $SCENARIOS; do
        run_stage "molecule $s" molecule test -s "$s"
      done
      ;;
    *) echo "unknown stage: $stage" >&2; exit 2 ;;
  esac
done

echo "=== summary"
printf '%s\n' "${RESULTS[@]}"
ok=$(( ${#RESULTS[@]} - failed ))
echo "stages: $ok passed, $failed failed"
[ "$failed" -eq 0 ]
