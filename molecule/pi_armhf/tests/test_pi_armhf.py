"""Raspberry Pi OS 32-bit stand-in (Debian 12 armhf under qemu-arm): its
architecture, and what side_effect.yml recorded of the refusal of trixie on
armhf. The Pi checks both Pi scenarios share are in
../shared/test_raspberry_pi.py."""

from __future__ import annotations

import json


def test_host_is_armhf(host):
    assert host.system_info.arch == "armv7l"
    assert host.check_output("dpkg --print-architecture") == "armhf"


def test_postgresql_15_is_the_armhf_build(host):
    assert host.check_output("dpkg-query -W -f '${Architecture}' postgresql-15") == "armhf"


def test_trixie_on_armhf_was_refused_before_any_change(host):
    record = json.loads(host.file("/root/trixie-refusal.json").content_string)
    assert record["failed"] is True
    assert "PGDG builds no armhf packages" in record["msg"]
    assert "Nothing has been changed." in record["msg"]
    # The preflight's assertion, which runs before the role's first change.
    assert record["failed_task"] == "Stop when the PGDG repository has no packages for this architecture"
    assert record["release"] == "trixie"
    assert record["before"] == record["after"], "the host changed during the refused run"
