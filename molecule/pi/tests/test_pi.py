"""Raspberry Pi OS 64-bit (arm64, bookworm) scenario: its architecture. The
Pi checks both Pi scenarios share are in ../shared/test_raspberry_pi.py."""

from __future__ import annotations


def test_host_is_arm64(host):
    assert host.system_info.arch == "aarch64"
    assert host.check_output("dpkg --print-architecture") == "arm64"
