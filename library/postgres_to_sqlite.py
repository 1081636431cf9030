#!/usr/bin/python
# ruff: noqa: E402  (Ansible modules keep DOCUMENTATION before the imports)
"""Ansible face of postgres_to_sqlite: options in, result out. The logic lives in
module_utils/sqlite_pg (reverse.py and the files it names), tested directly."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: postgres_to_sqlite
short_description: Copy PostgreSQL back into a new SQLite file in the application's own form, and prove it
description:
  - The reverse of M(sqlite_to_postgres), for a rollback that keeps what the application wrote on
    PostgreSQL. Writes a B(new) SQLite file that the application opens exactly as it opened its own.
  - The schema comes from a template SQLite database (the backup taken at the cut-over, say), namely the
    C(CREATE TABLE), C(CREATE INDEX), view and trigger SQL of its C(sqlite_master), byte for byte, and
    C(sqlite_sequence); its page size, auto_vacuum, user_version, application_id and WAL mode too.
  - Each value is written in the storage form the application uses for its column, learned from the
    template's declared types and data (the values it holds and their C(typeof())). Booleans as 0/1
    integers; timestamps as the text the column holds (Sequelize's C(2024-04-19 02:51:06.990 +00:00),
    C(2024-04-19T02:51:06.990Z), C(2024-04-19 02:51:06.990000), C(2024-04-19 02:51:06)) or as the epoch
    numbers it holds (see O(date_numbers)); dates, times, json (as PostgreSQL holds the text; jsonb
    in its canonical form), enums and text as PostgreSQL prints them; UUIDs in lower case (or as 32 hex
    digits where the template holds them so); numeric as SQLite numbers, or as text where the column
    keeps text; bytea as BLOBs. RV(tables[].forms) says which form each column got.
  - A value with no faithful form in its column (a timestamp with microseconds where the form holds
    milliseconds, a year past 9999, C(infinity), a numeric a double cannot hold where the template
    stores numbers, NaN) is reported with table, column, key and value; nothing is rounded, and dest
    is left as it was.
  - Reads one REPEATABLE READ, read-only snapshot of PostgreSQL, each table with
    C(COPY (SELECT ...) TO STDOUT), streamed (memory stays at a batch of rows), inserted in batches in
    one SQLite transaction into a temporary file in dest's directory.
  - Before anything is renamed, every table is verified row by row against the same snapshot. The
    digest of PostgreSQL's rows must equal the digest of the new file's, read back exactly as
    M(sqlite_to_postgres) reads a source (its plan, converters and digest), so the proof is the same
    both ways. C(PRAGMA integrity_check) and C(PRAGMA foreign_key_check) must pass. Then the file is
    fsynced and renamed over dest, and the directory is fsynced.
  - A failure, or a kill, at any point leaves dest exactly as it was. A failed run removes its
    temporary file; the next run removes one left by a killed run.
  - Tables and columns that PostgreSQL has and the template lacks (the application ran a migration
    after the cut-over) are reported before anything is written, with the way through (O(extra)).
version_added: "1.1.0"
author: Bwaincell migration project (!UNKNOWN)
options:
  dest:
    description:
      - Path of the SQLite file to write on the managed host. An existing file is replaced atomically
        (rename) only once the new one is verified; it keeps the previous file's mode and owner (a new
        one gets the template's). A symlink is followed; the file it names is replaced.
      - A C(-wal) or C(-journal) with content beside an existing dest means it is in use or was not
        closed cleanly; SQLite would apply it to the new file, so the module refuses. The empty
        C(-wal) and C(-shm) of a closed database are removed with the old file.
    type: path
    required: true
  template:
    description:
      - The SQLite database whose schema the new file gets (and whose data shows each column's storage
        form), opened read-only. Usually the backup taken at the cut-over. It may be dest itself.
    type: path
    required: true
  backup:
    description:
      - Keep the previous dest as C(<dest>.<YYYYmmdd_HHMMSS>.bak) (C(.1.bak), ... when that exists), a
        hard link made just before the rename, so the file is never missing. RV(backup_file) names it.
    type: bool
    default: false
  login_host:
    description: PostgreSQL host. Empty to use the Unix socket (see O(login_unix_socket)).
    type: str
    default: ""
    aliases: [host]
  login_port:
    description:
      - PostgreSQL port.
      - The alias O(port) is deprecated and will be removed in 2.0.0, as in M(sqlite_to_postgres);
        community.postgresql deprecates the same alias of its O(login_port).
    type: int
    default: 5432
    aliases: [port]
  login_user:
    description: PostgreSQL role to connect as; needs SELECT on the tables copied.
    type: str
    default: postgres
  login_password:
    description:
      - Password of O(login_user).
      - A task that sets it should set C(no_log) to V(true); or leave it out and give libpq a private
        password file (C(PGPASSFILE) in the task's C(environment)), as the project's playbooks do.
    type: str
  login_db:
    description: Database to read.
    type: str
    required: true
    aliases: [db]
  ssl_mode:
    description: libpq C(sslmode).
    type: str
    default: prefer
    choices: [allow, disable, prefer, require, verify-ca, verify-full]
  ca_cert:
    description: CA certificate(s) file for O(ssl_mode=verify-ca) or O(ssl_mode=verify-full).
    type: path
    aliases: [ssl_rootcert]
  login_unix_socket:
    description: Directory of the server's Unix socket (takes precedence over O(login_host)).
    type: path
  connect_timeout:
    description: Seconds to wait for the connection.
    type: int
    default: 10
  lock_timeout:
    description:
      - Seconds a statement waits for a lock (reading takes ACCESS SHARE locks, which only an ACCESS
        EXCLUSIVE lock, such as a forgotten C(ALTER TABLE), blocks). C(0) waits for ever.
    type: int
    default: 10
  schema:
    description: PostgreSQL schema to read.
    type: str
    default: public
  tables:
    description:
      - Only these template tables are copied (default all, except SQLite's own C(sqlite_*) tables and
        virtual and shadow tables). The others are in the new file as the template has them, empty,
        with a warning. A name the template does not have is an error.
    type: list
    elements: str
  exclude_tables:
    description:
      - Tables to leave out. A template table is then in the new file empty (with a warning); a
        PostgreSQL table the template lacks is not created. A name neither side has is an error.
    type: list
    elements: str
    default: []
  exclude_columns:
    description:
      - Columns to leave out, as C(table.column). A template column is then written with its default
        (NULL without one); a PostgreSQL column the template lacks is not added. A name neither side
        has is an error.
    type: list
    elements: str
    default: []
  extra:
    description:
      - What to do with tables and columns PostgreSQL has and the template lacks.
      - C(fail) reports each one before anything is written, with the ways through.
      - C(exclude) leaves them out (each a warning and an entry of RV(extra)).
      - C(add) adds them to the new file. A column is added with C(ALTER TABLE ... ADD COLUMN) with the
        type Sequelize declares for its PostgreSQL type (C(TINYINT(1)), C(INTEGER), C(BIGINT),
        C(DECIMAL(p,s)), C(FLOAT), C(REAL), C(VARCHAR(n)), C(TEXT), C(UUID), C(JSON), C(DATETIME), C(DATE),
        C(TIME), C(BLOB); C(TEXT) for enums and others), which gives it SQLite's affinity for it,
        nullable. A table is created with those columns, C(NOT NULL) and its primary key (a serial or
        identity integer key as C(INTEGER PRIMARY KEY AUTOINCREMENT)); its indexes, unique constraints
        and foreign keys are not created (a warning says so). Their values get the type's default form.
    type: str
    default: fail
    choices: [fail, exclude, add]
  verify:
    description:
      - C(full) compares every row of every table copied (digest in the same snapshot, differing rows
        named).
      - C(count) compares row counts only (values are still put in their forms and read back).
    type: str
    default: full
    choices: [count, full]
  max_problems:
    description: Stop collecting problems (and fail) after this many.
    type: int
    default: 50
  date_numbers:
    description:
      - Columns of the template holding timestamps as numbers, as C(table.column) mapped to C(epoch_s),
        C(epoch_ms), C(epoch_us) or C(julian_day), the same mapping M(sqlite_to_postgres) takes (its
        result's C(tables[].numeric_dates) says how it read each column).
      - Without an entry, a template timestamp column holding numbers (more numbers than text) gets the
        unit M(sqlite_to_postgres) would read them in (every number in one epoch unit's range);
        numbers of no such unit are reported before anything is written.
      - Integers are written where the instant is a whole number of the unit; a fraction only where the
        template holds REALs in the column, and only when it reads back as the same instant.
    type: dict
    default: {}
requirements:
  - psycopg2 on the managed host (Debian C(python3-psycopg2))
  - Python 3.11 or later on the managed host
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Does all the work into the temporary file, verifies it, and removes it; dest is untouched.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode).
    support: none
notes:
  - Runs into one directory are serialised by an C(flock) on the directory; a second one fails at once.
  - The template's indexes, views and triggers are created after the rows are in (triggers do not fire
    on the copy). A unique index the rows break fails the run, naming it.
  - C(sqlite_sequence) is set past the highest id, never below the template's value, nor below the last
    value PostgreSQL's sequence of that id gave (ids used and deleted on PostgreSQL are not used again).
  - Rows are written in the order PostgreSQL returns them; a table without an C(INTEGER PRIMARY KEY)
    gets new rowids (SQLite's rowid is not data PostgreSQL holds).
  - The template's statistics (C(sqlite_stat1)) are recomputed with C(ANALYZE) for the new rows.
  - Virtual tables of the template (FTS, R*Tree) are created empty, with a warning
    (M(sqlite_to_postgres) does not copy them).
"""

EXAMPLES = r"""
- name: Write PostgreSQL's rows back into a new SQLite file shaped like the cut-over backup
  postgres_to_sqlite:
    dest: /var/lib/bwaincell/data/bwaincell.sqlite
    template: /var/backups/bwaincell/bwaincell_20240419_025106.sqlite
    login_host: 127.0.0.1
    login_user: bwaincell
    login_password: "{{ postgresql_app_password }}"
    login_db: bwaincell
    backup: true
  # The password is an argument: keep it out of the output. This hides the result too: register it.
  no_log: true
  register: rolled_back

- name: Rehearse (check mode), adding what the application's later migrations created
  postgres_to_sqlite:
    dest: /var/lib/bwaincell/data/bwaincell.sqlite
    template: /var/backups/bwaincell/bwaincell_20240419_025106.sqlite
    login_host: 127.0.0.1
    login_user: bwaincell
    login_db: bwaincell
    extra: add
  # No password argument: libpq reads it from a private password file, and the result stays visible.
  environment:
    PGPASSFILE: /root/.bwaincell.pgpass
  check_mode: true
  register: rehearsal

- name: Over the Unix socket as the superuser, leaving a table PostgreSQL gained behind
  become: true
  become_user: postgres
  postgres_to_sqlite:
    dest: /srv/app/db.sqlite
    template: /srv/app/db.sqlite
    login_unix_socket: /var/run/postgresql
    login_db: app
    exclude_tables: [audit_log]
    date_numbers:
      events.starts_at: epoch_ms

- name: Show what was written
  ansible.builtin.debug:
    msg: "{{ rehearsal.tables | map(attribute='name') | zip(rehearsal.tables | map(attribute='rows')) }}"
"""

RETURN = r"""
changed:
  description: Whether dest was replaced (in check mode, whether it would be).
  returned: always
  type: bool
dest:
  description: The path written.
  returned: always
  type: str
backup_file:
  description: The previous dest, kept by O(backup) (null without it, or when there was none).
  returned: always
  type: str
tables:
  description: One entry per template table (and per table O(extra=add) created), in the order written.
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: Table name (the template's)., type: str}
    rows: {description: Rows written into the new file., type: int}
    target_rows: {description: Rows PostgreSQL holds (as verified)., type: int}
    verified: {description: Whether the table was verified (O(verify)) against PostgreSQL., type: bool}
    digest: {description: "Content digest, as M(sqlite_to_postgres) computes it.", type: str}
    seconds: {description: Time spent on the table (copy and verification)., type: float}
    action:
      description: "C(copied), C(added) (a table the template lacks, O(extra=add)) or C(empty)
        (left out by O(tables) or O(exclude_tables))."
      type: str
    forms:
      description:
        - "The storage form of each column copied: C(integer_boolean), C(integer), C(real), C(number),
          C(text), C(uuid_hex), C(blob), a timestamp text form (C(sequelize), C(iso_ms_z), C(iso_us),
          C(sqlite_seconds)) or an epoch form (C(epoch_s), C(epoch_ms), C(epoch_us), C(julian_day),
          C(epoch_s_real), ...)."
      type: dict
    sequence: {description: "The table's C(sqlite_sequence) value set (null: none).", type: int}
    changes:
      description:
        - "What PostgreSQL holds against the template, by primary key: C(inserted) (rows only PostgreSQL
          has), C(updated) (rows both have whose stored values differ in a column both have), C(deleted)
          (rows only the template has). With the cut-over backup as template, the writes made on
          PostgreSQL since the cut-over. A table O(extra=add) created counts every row as inserted."
        - Null for a table without a primary key (its rows cannot be matched; a warning says so) and for
          tables left out by O(tables) or O(exclude_tables).
      type: dict
  sample:
    - {name: users, rows: 41, target_rows: 41, verified: true, digest: 6abc6b9c7e68694dd908069d8aa447ea,
       seconds: 0.02, action: copied, sequence: 41,
       forms: {id: integer, is_admin: integer_boolean, created_at: sequelize},
       changes: {inserted: 2, updated: 5, deleted: 1}}
changes:
  description:
    - The sums of RV(tables[].changes) over the tables compared (C(inserted), C(updated), C(deleted)),
      and C(not_compared), the tables without a primary key.
  returned: always
  type: dict
  sample: {inserted: 2, updated: 5, deleted: 1, not_compared: []}
extra:
  description: Tables and columns PostgreSQL has and the template lacks, and what was done with each.
  returned: always
  type: list
  elements: dict
  contains:
    kind: {description: "C(table) or C(column).", type: str}
    table: {description: Table., type: str}
    column: {description: Column (null for a table)., type: str}
    type: {description: "PostgreSQL's type (null for a table).", type: str}
    action: {description: "C(added) or C(excluded).", type: str}
    declared: {description: "The SQLite declared type (a table: its CREATE TABLE), when added.", type: str}
kind:
  description:
    - What the failure is about, so that a caller can tell the cases apart without reading C(msg).
    - C(connection) PostgreSQL cannot be reached (or the connection was lost); C(data) values with no
      faithful SQLite form or schema differences (see RV(problems)); C(verification) the new file does
      not read back as PostgreSQL's rows; C(error) anything else. The O(dest) is unchanged in every case.
  returned: on failure
  type: str
  choices: [error, connection, data, verification]
problems:
  description: Values with no faithful form, and schema differences (the module failed; dest unchanged).
  returned: on failure
  type: list
  elements: dict
  contains:
    table: {description: Table., type: str}
    column: {description: Column (or null for a table-level problem)., type: str}
    key: {description: "Primary key of the row, as PostgreSQL prints it.", type: dict}
    reason: {description: "Why there is no faithful form, or what differs.", type: str}
    value: {description: Excerpt of the value., type: str}
warnings_list:
  description: Things left out or added (excluded tables and columns, virtual tables created empty, ...).
  returned: always
  type: list
  elements: str
removed_stale:
  description: Temporary files of an earlier, killed run that were removed.
  returned: always
  type: list
  elements: str
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:  # this repository's layout (ansible.cfg: module_utils = module_utils)
    from ansible.module_utils.sqlite_pg.errors import MigrationError
    from ansible.module_utils.sqlite_pg.pg_target import HAS_PSYCOPG2, LOGIN_ARGUMENT_SPEC, ConnectionOptions
    from ansible.module_utils.sqlite_pg.reverse import run
    from ansible.module_utils.sqlite_pg.reverse_options import ReverseOptions
except ImportError:  # the collection's (scripts/build-collection.sh)
    from ansible_collections.bwaincell.migration.plugins.module_utils.sqlite_pg.errors import MigrationError
    from ansible_collections.bwaincell.migration.plugins.module_utils.sqlite_pg.pg_target import (
        HAS_PSYCOPG2,
        LOGIN_ARGUMENT_SPEC,
        ConnectionOptions,
    )
    from ansible_collections.bwaincell.migration.plugins.module_utils.sqlite_pg.reverse import run
    from ansible_collections.bwaincell.migration.plugins.module_utils.sqlite_pg.reverse_options import (
        ReverseOptions,
    )

ARGUMENT_SPEC = dict(
    dest=dict(type="path", required=True),
    template=dict(type="path", required=True),
    backup=dict(type="bool", default=False),
    **LOGIN_ARGUMENT_SPEC,  # login_host ... lock_timeout: module_utils/sqlite_pg/pg_target.py
    schema=dict(type="str", default="public"),
    tables=dict(type="list", elements="str"),
    exclude_tables=dict(type="list", elements="str", default=[]),
    exclude_columns=dict(type="list", elements="str", default=[]),
    extra=dict(type="str", default="fail", choices=["fail", "exclude", "add"]),
    verify=dict(type="str", default="full", choices=["count", "full"]),
    max_problems=dict(type="int", default=50),
    date_numbers=dict(type="dict", default={}),
)


def options_from(params, check_mode):
    connection = ConnectionOptions.from_params(params, "postgres_to_sqlite")
    return ReverseOptions(
        dest=params["dest"],
        template=params["template"],
        connection=connection,
        schema=params["schema"],
        tables=params["tables"],
        exclude_tables=params["exclude_tables"],
        exclude_columns=params["exclude_columns"],
        extra=params["extra"],
        verify=params["verify"],
        max_problems=params["max_problems"],
        date_numbers=params["date_numbers"],
        backup=params["backup"],
        check_mode=check_mode,
    )


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    if not HAS_PSYCOPG2:
        module.fail_json(msg=missing_required_lib("psycopg2"))
    try:
        options = options_from(module.params, module.check_mode)
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    try:
        result = run(options)
    except MigrationError as exc:
        module.fail_json(msg=exc.msg, problems=exc.problems, kind=exc.kind, changed=False)
    except Exception as exc:  # an unforeseen failure: dest is still as it was
        module.fail_json(
            msg=f"postgres_to_sqlite failed: {exc}", exception=traceback.format_exc(), changed=False
        )
    warnings = result.pop("warnings")
    for warning in warnings:
        module.warn(warning)
    result["warnings_list"] = warnings
    module.exit_json(**result)


if __name__ == "__main__":
    main()
