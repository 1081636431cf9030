"""What `pgbackrest --stanza=S info --output=json` says about the last backup.

pgBackRest's JSON (stable since 2.x, kept so in 2.45) is a list with one
object per stanza: ``name``, ``status`` (``code`` 0 is ok; 1 missing stanza
path, 2 no valid backups, 3 missing stanza data, 4 different across repos,
5 database mismatch across repos, 6 requested backup not found, 99 other;
``message`` says it in words), ``backup`` (oldest first, each with ``label``,
``type``, ``error`` (since 2.36: true when the backup copied a file with a
checksum error) and ``timestamp`` ``start``/``stop`` in Unix seconds) and
``db``, ``archive``, ``repo``.

Filter (roles/host_check's tasks use it; tests/roles/test_pgbackrest_info.py
feeds it the documented shapes):

* ``pgbackrest_last_backup``: for the JSON text and the stanza, a mapping
  ``stanza_found``, ``status_code``, ``status_message``, ``label``, ``type``,
  ``stop`` (Unix seconds, None when there is no good backup) and
  ``problem`` (why the answer could not be read; "" when it could).
* ``pgbackrest_stanzas``: the stanzas a pgbackrest.conf defines (its sections
  other than ``global`` and ``global:<command>``, and without a
  ``<stanza>:<command>`` suffix), for a host whose inventory does not name one.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$", re.MULTILINE)


def stanzas(config_text: str) -> list[str]:
    """The stanza sections of a pgbackrest.conf, in order, each once."""
    found: list[str] = []
    for section in _SECTION.findall(config_text):
        name = section.split(":", 1)[0].strip()
        if name != "global" and name not in found:
            found.append(name)
    return found


def last_backup(info_json: str, stanza: str) -> dict[str, Any]:
    """The newest backup without errors of `stanza`, from pgBackRest's JSON."""
    answer: dict[str, Any] = {
        "stanza_found": False,
        "status_code": None,
        "status_message": "",
        "label": None,
        "type": None,
        "stop": None,
        "problem": "",
    }
    try:
        stanzas = json.loads(info_json)
    except ValueError as err:
        answer["problem"] = f"pgbackrest info printed no JSON ({err})"
        return answer
    if not isinstance(stanzas, list):
        answer["problem"] = "pgbackrest info printed JSON that is not a list of stanzas"
        return answer
    found = [s for s in stanzas if isinstance(s, dict) and s.get("name") == stanza]
    if not found:
        answer["problem"] = f"pgbackrest info knows no stanza {stanza!r}"
        return answer
    entry = found[0]
    status = entry.get("status") or {}
    answer.update(
        stanza_found=True,
        status_code=status.get("code"),
        status_message=str(status.get("message", "")),
    )
    good = [
        b
        for b in entry.get("backup") or []
        if isinstance(b, dict) and not b.get("error") and (b.get("timestamp") or {}).get("stop") is not None
    ]
    if good:
        newest = max(good, key=lambda b: int(b["timestamp"]["stop"]))
        answer.update(
            label=newest.get("label"), type=newest.get("type"), stop=int(newest["timestamp"]["stop"])
        )
    return answer


class FilterModule:
    def filters(self):
        return {"pgbackrest_last_backup": last_backup, "pgbackrest_stanzas": stanzas}
