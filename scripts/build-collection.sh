#!/usr/bin/env bash
# Builds the Ansible collection (bwaincell.migration: collection/galaxy.yml) as a
# tarball in build/ (or the directory given), without moving this repository's
# layout: a staging tree gets collection/galaxy.yml (its dependencies from
# requirements.yml), collection/meta/runtime.yml and CHANGELOG.md, the modules (library/*.py,
# roles/*/library/*.py) under plugins/modules/, their logic (module_utils/, but
# the command lines' cli/) under plugins/module_utils/, the roles' filters under
# plugins/filter/ (a collection's roles hold no plugins), the roles and the
# playbooks; nothing of the tests.
#   bash scripts/build-collection.sh [OUTPUT_DIR]     prints the tarball's path
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mkdir -p "${1:-build}" && cd "${1:-build}" && pwd)
PYTHON=${PYTHON:-$PWD/.venv/bin/python}
GALAXY=${GALAXY:-$PWD/.venv/bin/ansible-galaxy}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# The files git knows (tracked, or new and not ignored): no caches, no local state.
copy() { git ls-files -z --cached --others --exclude-standard -- "$@" | xargs -0 -I{} cp --parents {} "$stage/"; }

copy roles playbooks README.md
cp collection/CHANGELOG.md "$stage/"
rm -rf "$stage"/roles/*/library "$stage"/roles/*/filter_plugins "$stage"/roles/*/molecule
mkdir -p "$stage/meta" "$stage/plugins/modules" "$stage/plugins/module_utils" "$stage/plugins/filter"
cp collection/meta/runtime.yml "$stage/meta/"
cp library/*.py roles/*/library/*.py "$stage/plugins/modules/"
cp roles/*/filter_plugins/*.py "$stage/plugins/filter/"
(cd module_utils && git ls-files -z --cached --others --exclude-standard -- sqlite_pg ':!sqlite_pg/cli' \
  | xargs -0 -I{} cp --parents {} "$stage/plugins/module_utils/")
"$PYTHON" - collection/galaxy.yml requirements.yml "$stage/galaxy.yml" <<'PY'
import sys

import yaml

galaxy, requirements, staged = sys.argv[1:]
with open(galaxy) as f:
    meta = yaml.safe_load(f)
with open(requirements) as f:
    meta["dependencies"] = {c["name"]: c.get("version", "*") for c in yaml.safe_load(f)["collections"]}
with open(staged, "w") as f:
    yaml.safe_dump(meta, f, sort_keys=False)
PY
read -r namespace name version < <("$PYTHON" -c \
  'import sys, yaml; print("%(namespace)s %(name)s %(version)s" % yaml.safe_load(open(sys.argv[1])))' "$stage/galaxy.yml")
# The roles call the modules by their short names (ansible.cfg's library finds them
# here); in the collection, module_defaults must name what a task resolves to: the FQCN.
modules=$(cd "$stage/plugins/modules" && ls -- *.py | sed 's/\.py$//' | paste -sd'|')
find "$stage/roles" -path '*/tasks/*.yml' -exec sed -E -i "s/^(\s*-?\s*)($modules):/\1$namespace.$name.\2:/" {} +
# Their documentation's M() links, too (ansible-doc's markup wants the FQCN there).
sed -E -i "s/M\(($modules)\)/M($namespace.$name.\1)/g" "$stage"/plugins/modules/*.py
# Filters, too, are found by their FQCN only in a collection's roles.
filters=$(cd "$stage/plugins/filter" && "$PYTHON" -c '
import glob, runpy
for path in sorted(glob.glob("*.py")):
    print("\n".join(runpy.run_path(path)["FilterModule"]().filters()))' | paste -sd'|')
find "$stage/roles" \( -name '*.yml' -o -name '*.j2' \) \
  -exec sed -E -i "s/\|\s*($filters)\b/| $namespace.$name.\1/g" {} +
"$GALAXY" collection build "$stage" --output-path "$out" --force >/dev/null
echo "$out/$namespace-$name-$version.tar.gz"
