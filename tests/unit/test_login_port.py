"""login_port is the module's own option name; port, its old name, is a deprecated
alias that still works (the playbooks move to login_port)."""

from __future__ import annotations

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from test_module_face import assignments

# The required options of each module, and the module.
MODULES = {
    "sqlite_to_postgres": {"src": "/tmp/app.sqlite", "login_db": "bwaincell"},
    "postgres_to_sqlite": {"dest": "/tmp/new.sqlite", "template": "/tmp/app.sqlite", "login_db": "bwaincell"},
}


@pytest.fixture(params=sorted(MODULES))
def module(request) -> str:
    return request.param


def _validated(module: str, params: dict) -> tuple[dict, list[dict]]:
    spec = assignments(module)["ARGUMENT_SPEC"]
    result = ArgumentSpecValidator(spec).validate({**MODULES[module], **params})
    assert not result.errors.errors, [str(e) for e in result.errors.errors]
    return result.validated_parameters, result._deprecations


def test_login_port_is_the_option(module: str) -> None:
    params, deprecations = _validated(module, {"login_port": 5433})
    assert params["login_port"] == 5433
    assert deprecations == []


def test_port_still_works_and_is_deprecated_with_a_removal_version(module: str) -> None:
    params, deprecations = _validated(module, {"port": 5434})
    assert params["login_port"] == 5434
    assert [(d["msg"], d["version"]) for d in deprecations] == [
        ("Alias 'port' is deprecated. See the module docs for more information", "2.0.0")
    ]
    options = assignments(module)["DOCUMENTATION"]["options"]
    assert "port" in options["login_port"]["aliases"]
    assert "2.0.0" in " ".join(options["login_port"]["description"])


@pytest.mark.parametrize(
    "given",
    [
        {"port": "5435", "db": "bwaincell"},
        {"login_port": 5435, "login_db": "bwaincell", "ssl_mode": "prefer"},
    ],
    ids=["aliases", "names"],
)
def test_login_params_fill_in_what_ansible_would(module: str, given: dict) -> None:
    """pg_target.login_params (the fault and bench children's way in, without Ansible) gives
    the login options exactly as the module's argument spec validates them."""
    from sqlite_pg.pg_target import LOGIN_ARGUMENT_SPEC, login_params

    params, _ = _validated(module, given)
    assert login_params(given) == {name: params[name] for name in LOGIN_ARGUMENT_SPEC}
