"""playbooks/check.yml with --check gives the same answer as without, and
changes nothing either way. Listed in the default, pi and macos scenarios'
verifier.additional_files_or_dirs (pi_armhf leaves it out: every check run
there takes minutes under qemu-arm, and the answer does not depend on the
architecture)."""

from __future__ import annotations

import re

import pytest
from checkplay import healthy_check, recap_changed, run_check


@pytest.fixture(scope="module")
def name(host):
    return host.ansible.get_variables()["inventory_hostname"]


def test_check_mode_gives_the_same_answer(name):
    checked = healthy_check(name)
    again = run_check(name, "--check")
    assert again.rc == checked.rc
    assert again.report["check_mode"] is True
    assert _timeless(again.lines) == _timeless(checked.lines)
    assert recap_changed(checked.output, name) == 0
    assert recap_changed(again.output, name) == 0


def _timeless(lines):
    """The lines with the backup's age left out: it grows between the two runs."""
    return {
        c: {**line, "reason": re.sub(r"[\d.]+ h old", "h old", line["reason"])} for c, line in lines.items()
    }
