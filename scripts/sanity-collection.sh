#!/usr/bin/env bash
# Runs `ansible-test sanity` on the collection scripts/build-collection.sh builds
# (default: validate-modules, the documentation against the argument specs), in a
# throw-away ansible_collections tree and HOME. Not part of CI: ansible-test
# bootstraps pip in each of its virtualenvs with get-pip.py from
# ci-files.testing.ansible.com, which this network does not reach; a stand-in in the
# throw-away HOME's ansible-test cache takes Python's own ensurepip and then pip from
# PyPI (through the system's CA bundle: ansible-test runs pip with a reduced
# environment). The virtualenvs' requirements come from PyPI.
#   bash scripts/sanity-collection.sh [ansible-test sanity arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
ANSIBLE_TEST=${ANSIBLE_TEST:-$PWD/.venv/bin/ansible-test}
PYTHON=${PYTHON:-$PWD/.venv/bin/python}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[ $# -gt 0 ] || set -- --test validate-modules

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(bash scripts/build-collection.sh "$work/build")
read -r namespace name < <(tar -xzOf "$tarball" MANIFEST.json | "$PYTHON" -c \
  'import json, sys; c = json.load(sys.stdin)["collection_info"]; print(c["namespace"], c["name"])')
root="$work/ansible_collections/$namespace/$name"
mkdir -p "$root" "$work/home/.ansible/test/cache"
tar -xzf "$tarball" -C "$root"

pip_version=$("$PYTHON" -c 'from ansible_test._internal.python_requirements import get_venv_packages
from types import SimpleNamespace
print(get_venv_packages(SimpleNamespace(version="3.11"))["pip"])')
cat > "$work/home/.ansible/test/cache/get_pip_${pip_version//./_}.py" <<PY
import ensurepip, runpy, sys
ensurepip.bootstrap()
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.argv = ["pip", "install", "--cert", "$CA_BUNDLE", "--upgrade", *args]
runpy.run_module("pip", run_name="__main__", alter_sys=True)
PY
cd "$root"
HOME="$work/home" PIP_CERT="$CA_BUNDLE" "$ANSIBLE_TEST" sanity --python 3.11 "$@"
