"""login_port is the module's own option name; port, its old name, is a deprecated
alias that still works (the playbooks move to login_port)."""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from test_module_face import assignments


def _validated(params: dict) -> tuple[dict, list[dict]]:
    result = ArgumentSpecValidator(assignments()["ARGUMENT_SPEC"]).validate(params)
    assert not result.errors.errors, [str(e) for e in result.errors.errors]
    return result.validated_parameters, result._deprecations


def test_login_port_is_the_option() -> None:
    params, deprecations = _validated({"src": "/tmp/app.sqlite", "login_db": "bwaincell", "login_port": 5433})
    assert params["login_port"] == 5433
    assert deprecations == []


def test_port_still_works_and_is_deprecated_with_a_removal_version() -> None:
    params, deprecations = _validated({"src": "/tmp/app.sqlite", "login_db": "bwaincell", "port": 5434})
    assert params["login_port"] == 5434
    assert [(d["msg"], d["version"]) for d in deprecations] == [
        ("Alias 'port' is deprecated. See the module docs for more information", "2.0.0")
    ]
    options = assignments()["DOCUMENTATION"]["options"]
    assert "port" in options["login_port"]["aliases"]
    assert "2.0.0" in " ".join(options["login_port"]["description"])
