"""Raspberry Pi scenarios (pi: arm64, pi_armhf: armhf; bookworm): what the
common checks do not cover. The common checks already compare every setting,
Pi profile included, with what the role's defaults say a Pi should get."""

from __future__ import annotations

import pgtest


def test_detected_as_a_raspberry_pi(host):
    assert pgtest.is_raspberry_pi(host)
    conf = host.file("/etc/postgresql/15/main/conf.d/61-ansible-reload.conf").content_string
    assert "Sized for a Raspberry Pi with 4096 MB of RAM." in conf


def test_pi_profile_in_effect(host):
    # A 4 GB board: 15% shared_buffers, half the RAM as cache, 20 connections.
    assert pgtest.psql_admin(host, "SHOW max_connections") == "20"
    assert pgtest.psql_admin(host, "SHOW shared_buffers") == "614MB"
    assert pgtest.psql_admin(host, "SHOW effective_cache_size") == "2GB"
    assert pgtest.psql_admin(host, "SHOW wal_compression") == "lz4"
    assert pgtest.psql_admin(host, "SHOW checkpoint_timeout") == "15min"


def test_nothing_risks_data(host):
    for name in ("fsync", "full_page_writes", "synchronous_commit"):
        assert pgtest.psql_admin(host, f"SHOW {name}") == "on", name


def test_installed_from_debian(host):
    assert not host.file("/etc/apt/sources.list.d/pgdg.sources").exists
    policy = host.check_output("apt-cache policy postgresql-15")
    assert "deb.debian.org" in policy or "debian" in policy
