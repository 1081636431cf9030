#!/usr/bin/python
# ruff: noqa: E402  (Ansible modules keep DOCUMENTATION before the imports)
"""Ansible face of sqlite_to_postgres: options in, result out. The logic lives in
module_utils/sqlite_pg (plain Python, tested directly)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sqlite_to_postgres
short_description: Copy a SQLite database into PostgreSQL and prove the copy
description:
  - Reads one consistent snapshot of a SQLite database (opened read-only, never changed,
    safe while the application writes) and loads it into PostgreSQL with the COPY protocol,
    streaming, in foreign-key order, in B(one) transaction.
  - Two kinds of target. Tables that already exist (for example created by the application's
    "sequelize.sync()") are loaded by column name, each value converted to the target column's
    actual type (boolean from 0/1, timestamptz from Sequelize's C(2024-04-19 02:51:06.990 +00:00),
    ISO 8601 or epoch numbers (see O(date_numbers)), date, time, uuid (also the 32 hex digits
    Django and SQLAlchemy store), interval (Django's integer microseconds, SQLAlchemy's
    epoch-relative DATETIME), json/jsonb, numeric(p,s), double precision, bytea, enum types,
    varchar(n)). Tables that do not exist are created from
    the SQLite schema with casting rules that know how ORMs declare SQLite columns
    ("TINYINT(1)" to boolean, C(UUID) to uuid, C(DATETIME) to timestamptz, C(JSON) to json, the
    text kept as written, as Sequelize creates it, "VARCHAR(n)" kept, "DECIMAL(p,s)" to numeric,
    C(INTEGER PRIMARY KEY AUTOINCREMENT) to an identity column), keeping NOT NULL, defaults
    (C(CURRENT_TIMESTAMP), "datetime('now')" translated), primary keys, unique constraints,
    indexes and foreign keys.
  - Every value is validated before it is sent. A value the target will not take (text longer
    than varchar(n), NUL bytes, invalid UTF-8, text in an integer column, an unparseable date,
    a dangling foreign key, NULL in a NOT NULL column) is reported with table, column, primary
    key and an excerpt; problems are collected up to O(max_problems) and the module fails
    having written nothing.
  - Verification reads every loaded table back from PostgreSQL and compares it row by row
    (an order-independent digest of per-row hashes of the normalised values) with the source
    B(before) committing, so a mismatch rolls everything back and names the rows that differ.
  - Idempotent. When a target table already holds exactly the source rows it is left alone;
    when every table does, the module reports C(changed=false).
  - Sequences and identity columns are set past the highest id (and past SQLite's
    AUTOINCREMENT high-water mark) so that the application keeps writing. Loaded tables are
    analyzed in the same transaction, each after its verification, so the statistics are
    committed with the rows. Tables the module creates are loaded with C(COPY ... FREEZE), so
    once committed their rows are frozen and their pages all-visible. No later vacuum then has
    to rewrite a freshly loaded database to freeze it, and index-only scans work at once (no
    other session can see such a table before the commit, so nothing sees the rows early).
  - Failure messages name the table, column and row; they do not name the managed host (a
    module cannot know its inventory name), Ansible's task output does.
version_added: "1.0.0"
author: Bwaincell migration project (!UNKNOWN)
options:
  src:
    description: Path of the SQLite database on the managed host. Opened read-only.
    type: path
    required: true
  login_host:
    description: PostgreSQL host. Empty to use the Unix socket (see O(login_unix_socket)).
    type: str
    default: ""
    aliases: [host]
  login_port:
    description:
      - PostgreSQL port.
      - The alias O(port) (this option's name before 1.1.0) is deprecated and will be removed in
        2.0.0; community.postgresql deprecates the same alias of its O(login_port).
    type: int
    default: 5432
    aliases: [port]
  login_user:
    description: PostgreSQL role to connect as; needs to create tables or to write the target tables.
    type: str
    default: postgres
  login_password:
    description:
      - Password of O(login_user).
      - A task that sets it should set C(no_log) to V(true), because with C(ANSIBLE_DEBUG=1) Ansible
        prints the arguments of every module it runs. Or leave it out and give libpq a private password
        file instead (C(PGPASSFILE) in the task's C(environment), as the project's playbooks do); see
        EXAMPLES.
    type: str
  login_db:
    description: Database to load into.
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
      - Seconds any statement of the migration waits for a lock on a target table (PostgreSQL's
        C(lock_timeout) for the migration's session). The application is stopped during the copy, so
        a session holding such a lock is a forgotten one (a C(psql) left in a transaction, a stuck
        job); when the time is up the module fails, having written nothing, and names each session
        holding a lock on the target tables (pid, user, application_name, client, state, since when,
        the start of its query) and how to end it (with C(pg_terminate_backend)).
      - In check mode the rehearsal takes the same locks (and holds them until its rollback); while it
        waits, other sessions' queries on that table queue behind it, so keep this short when
        rehearsing beside the running application.
      - C(0) waits for ever.
    type: int
    default: 10
  schema:
    description: Target schema. Created when tables are created in it and it does not exist.
    type: str
    default: public
  tables:
    description:
      - Only these SQLite tables (default all, except SQLite's internal C(sqlite_*) tables and
        virtual and shadow tables, see the notes). A name the database does not have is an error.
    type: list
    elements: str
  exclude_tables:
    description: SQLite tables to leave behind. A name the database does not have is an error.
    type: list
    elements: str
    default: []
  exclude_columns:
    description:
      - SQLite columns to leave behind, as C(table.column). A source column with no column of that
        name in an existing target table is an error unless excluded here.
      - A table or column the database does not have is an error (the message lists those it has).
    type: list
    elements: str
    default: []
  if_not_empty:
    description:
      - What to do when an existing target table already holds rows that differ from the source.
      - C(fail) reports the differing rows of every such table (first few primary keys each) and changes
        nothing.
      - C(replace) empties the table (TRUNCATE, inside the transaction) and loads it.
    type: str
    default: fail
    choices: [fail, replace]
  verify:
    description:
      - C(full) reads every loaded row back and compares it with the source.
      - C(count) compares row counts only (faster; values are still validated before the load).
    type: str
    default: full
    choices: [count, full]
  max_problems:
    description: Stop collecting problems (and fail) after this many.
    type: int
    default: 50
  widen_varchar:
    description:
      - Opt-in way through for text longer than a "varchar(n)" column. Columns holding such values
        become C(text) (created tables) or are altered to C(text) (existing tables), and the check
        of that length is dropped. Off by default; the DDL is in RV(ddl).
    type: bool
    default: false
  strip_nul:
    description:
      - Opt-in way through for NUL bytes, which PostgreSQL text cannot hold. They are removed from
        text values; the verification compares the stripped text. Off by default.
    type: bool
    default: false
  date_numbers:
    description:
      - How the numbers in a date/time column are read, as C(table.column) mapped to C(epoch_s),
        C(epoch_ms), C(epoch_us) (Unix epoch seconds, milliseconds, microseconds; fractions kept to
        the microsecond) or C(julian_day) (a Julian day, as SQLite's own date functions read a bare
        number, to the millisecond, from 0 to 5373484.5; SQLite's "datetime(2460000.5)" is
        2023-02-25 00:00:00).
        Applies to timestamp, timestamptz and date target columns (numbers, and text that is a bare
        number); a name that is no such migrated column is an error.
      - Without an entry, a column's numbers are read as epoch seconds, milliseconds or microseconds
        only when every one of them has a magnitude in that unit's range (seconds 1e8 to 1e10,
        milliseconds 1e11 to 1e13, microseconds 1e14 to 1e16, each 1973-03-03 to 2286-11-20, and
        negative numbers as far before 1970). Otherwise (a Julian day, a year such as 2024, a YYYYMMDD number,
        seconds and milliseconds mixed, 0) each number is reported with its key and nothing is written.
        RV(tables[].numeric_dates) says how each column's numbers were read.
    type: dict
    default: {}
  create_missing:
    description: Create tables that do not exist in the target. When false, a missing table is an error.
    type: bool
    default: true
  check_source:
    description: Run SQLite's C(PRAGMA quick_check) on the source first.
    type: bool
    default: true
  analyze:
    description: ANALYZE each loaded table in the migration's transaction, after its verification.
    type: bool
    default: true
  read_ahead_mb:
    description:
      - While PostgreSQL finishes a table (its indexes, foreign keys, read-back), the next table is
        read from SQLite on; past 1 MiB in memory its COPY text goes to an unlinked temporary file
        in the managed host's TMPDIR, at most this many MiB. The file is gone when the module ends.
      - C(0) reads ahead 1 MiB in memory only. Lower it where TMPDIR is small or RAM-backed
        (tmpfs); a full disk (or a write into the file it cuts short) only stops the reading ahead.
    type: int
    default: 256
requirements:
  - psycopg2 on the managed host (Debian C(python3-psycopg2))
  - Python 3.11 or later on the managed host
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Does all the reading, DDL, loading and verification inside a transaction that is rolled back.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode).
    support: full
    details: Shows the tables to create and the rows to load per table.
notes:
  - The SQLite file is read in one read transaction. In WAL mode the application keeps writing
    meanwhile (its new writes are not in this copy); in rollback-journal mode its writes wait
    until the read ends. Stop the application for the final copy.
  - A dangling foreign key is found before anything is written when the target lacks that key;
    a key PostgreSQL checks itself (the target table's, or one the module creates) is left to
    PostgreSQL during the load, and when it refuses one, SQLite's C(PRAGMA foreign_key_check)
    names every row that breaks it and nothing is committed.
  - When it loads existing empty tables it owns, their foreign keys to each other (those SQLite
    declares too) and their non-unique indexes are dropped before COPY and
    recreated after it, inside the transaction (as pg_restore does); the statements are in RV(ddl).
    Until the commit, other sessions wait on these tables instead of seeing them empty.
  - "The connecting role need not own the tables. Before anything is written the module checks what
    the run needs and names every missing privilege in one report, each with the GRANT that gives it:
    USAGE on the schema; SELECT (comparison, verification) and INSERT (COPY) on the loaded columns;
    TRUNCATE for O(if_not_empty=replace); ownership for O(widen_varchar); UPDATE (or ownership) on each
    sequence to move; CREATE on the schema to create tables (on the database to create the schema);
    REFERENCES on an existing table a created table's foreign key points to. Tables with row-level
    security that applies to the role are refused (COPY FROM does not support it)."
  - Sequences the role owns are moved with C(ALTER SEQUENCE ... RESTART), which a rollback undoes.
    Others (UPDATE privilege only) are moved with C(setval()), which a rollback does not undo. It runs
    as the very last statement, after every verification and check, just before the commit, and never
    in check mode (there it is only listed in RV(ddl)). Should the commit itself fail after it, the
    tables are unchanged and the sequence is only past the highest id, so new ids skip a few numbers.
  - Tables the role neither owns nor is the database owner of are not analyzed (PostgreSQL would skip
    them); a warning says to run ANALYZE as the owner.
  - The module opens the SQLite file itself only once, before its first connection to it (on POSIX,
    closing any descriptor of a file drops all of the process's locks on it, the snapshot's read
    lock too). C(PRAGMA quick_check) runs on a second connection, opened through SQLite; when it
    fails, each table's own check names the damaged tables.
  - A WAL database in a directory the module's user cannot write, without the C(-wal) and C(-shm)
    SQLite needs to lock it, cannot be opened the ordinary way. When its C(-wal) is absent or empty
    (the file holds every commit) it is read with SQLite's C(immutable=1), with a warning, and the run
    fails, committing nothing, if the file or its C(-wal) or C(-shm) changes meanwhile; when C(-wal)
    holds commits but there is no C(-shm), the module fails and says how to make them readable.
  - Virtual tables (C(CREATE VIRTUAL TABLE), such as FTS3/4/5 and R*Tree) and their shadow tables
    (the module's own storage, such as C(docs_data)) are not migrated by default; each is in
    RV(skipped) and warned. A virtual table listed in O(tables) is copied as a plain table of its
    columns, unless this SQLite lacks its module (SpatiaLite's, for example); then it cannot be
    read, and listing it is an error.
  - An empty (0-byte) file, or a database with no tables, succeeds with nothing copied and a warning.
  - PostgreSQL cuts names (of the schema, tables, columns, indexes) to 63 bytes of UTF-8. The module
    uses the cut names throughout, so a table created with a long name is found again by later
    runs, O(if_not_empty=replace) and check mode, and an existing table whose long names
    PostgreSQL cut is loaded. Each name cut is a warning and an entry of RV(mapped_names). Two
    tables, two columns of a table, or two created indexes that become the same name once cut
    are refused before anything is written, naming both and the way through (O(exclude_tables),
    O(exclude_columns), or renaming one in SQLite). So is a created index whose name (cut) is
    taken in the schema, by a relation already there or by a created table, its primary key,
    unique constraint or identity sequence (tables, indexes and sequences share one namespace).
  - SQLite integers are 64-bit whatever the declared type (C(INTEGER PRIMARY KEY) is the rowid).
    A created C(INTEGER) column is C(integer), as Sequelize creates it, and a C(SMALLINT) or
    C(TINYINT) one C(smallint), while the data fits; a column whose values do not fit (for the
    identity column, also the next id it will give, past AUTOINCREMENT's high-water mark) is
    created as the narrowest of C(integer) and C(bigint) that holds them, with a warning, and so
    is every created column that references it (its identity sequence follows its type). The
    types are in the CREATE TABLE statements of RV(ddl). One min/max query per created table
    finds the values (about 0.1 s for 1M rows). Existing tables keep their types, and values out of
    their range are reported with their keys.
  - Generated columns, created tables. SQLite's STORED and VIRTUAL generated columns whose expression
    translates (column references, numbers, strings, arithmetic of integers and doubles with SQLite's
    NULL for a division by zero, C(||) of text and integers, comparisons, C(AND)/C(OR)/C(NOT),
    C(CASE), C(IN), C(BETWEEN), C(IS), and lower/upper (ASCII letters only, as SQLite), length, abs,
    coalesce/ifnull, nullif, trim/ltrim/rtrim, replace) become PostgreSQL "GENERATED ALWAYS AS (...)
    STORED" columns (PostgreSQL 15 has STORED only; it holds the values a VIRTUAL one computes),
    added after the load (so they follow the other columns), each inside a savepoint, and kept only
    when PostgreSQL computes SQLite's value for every row (compared whatever O(verify) says). The
    others (LIKE, CAST, date and most other functions, a generated column PostgreSQL refuses or
    computes differently) are not created and are listed in RV(skipped) by C(table.column).
  - Generated columns, existing tables. Into an ordinary target column of that name SQLite's values
    are copied (data the application reads). A generated target column is not written; PostgreSQL
    computes it by the table's own definition, and its values are compared with SQLite's; when they
    differ the module fails and names the rows (rolled back); O(exclude_columns) accepts PostgreSQL's
    values. A SQLite generated column with no target column is an error unless excluded.
  - CHECK constraints of created tables that translate (the same rules) are added after the load,
    each inside a savepoint, so PostgreSQL checks every row. One that PostgreSQL refuses (rows that
    broke it in SQLite, possible with C(PRAGMA ignore_check_constraints), or a translation that
    differs) is not added and is listed in RV(skipped) with PostgreSQL's message; no row is ever left
    out for a constraint. Untranslatable ones are listed too.
  - Views whose SQL is a plain SELECT (joins, WHERE, GROUP BY, HAVING, ORDER BY with SQLite's byte
    order and NULLs first, LIMIT; count, sum of integers, min, max) over tables created by this run,
    or over views created from them, are created after every table is loaded, in an order that works,
    each inside a savepoint, with SQLite's column names, and kept only when their rows equal SQLite's.
    The others (not translated, refused by PostgreSQL, or reading a table that existed in PostgreSQL,
    whose schema is the application's) are listed in RV(skipped) with SQLite's definition. A view of
    that name that exists in PostgreSQL already is left as it is.
  - Triggers are not migrated (their bodies are not translated); each one on a migrated table or a
    view is listed in RV(skipped) with its definition, to be recreated as a PL/pgSQL trigger or in
    the application.
  - COLLATE NOCASE and RTRIM (any collation but BINARY) on columns and indexes of created tables are
    not migrated; the column keeps its type and PostgreSQL compares exactly (equality, ORDER BY, and
    a unique key that now admits both 'A' and 'a'); each is listed in RV(skipped) with the ways to
    keep SQLite's behaviour (citext, a nondeterministic ICU collation). Existing tables keep their
    own definitions; their checks and collations are not reported.
  - Timestamps without a zone are taken as UTC (Sequelize stores UTC). Dates and times are taken in
    the forms PostgreSQL's input takes them (one-digit fields, years past 9999, C(BC), C(24:00:00),
    a leap second C(:60), C(infinity), C(epoch)) and loaded as PostgreSQL prints them (a timestamp at
    C(24:00:00) is the next day's midnight); relative words (C(now), C(today)) are refused.
  - Into an C(interval) column an integer is Django's DurationField (microseconds) and a timestamp
    is SQLAlchemy's Interval (the duration after 1970-01-01 00:00:00); both are stored as the ORM's
    driver stores a timedelta (whole days, then the rest of the day, so minus 5 seconds prints as
    C(-1 days +23:59:55)). Any other value is sent as it is; the verification compares PostgreSQL's
    reading of it, and a mismatch rolls everything back.
  - A number in a date/time column is never read on its own. Each column's numbers are read one way,
    chosen before the copy from all of them (one scan per table) or set by O(date_numbers); a
    number in a C(time) column is refused.
  - JSON goes into C(json) as written (a lone surrogate escape such as C(\ud800) included, as
    PostgreSQL's json takes it) and into C(jsonb) as PostgreSQL renders it; jsonb refuses a lone
    surrogate escape, and such a row is reported with its key. The module reads JSON nested to any
    depth; PostgreSQL's limit is its stack (C(max_stack_depth), about 10,000 levels at the default
    2MB), and a row beyond it is reported with its key and PostgreSQL's hint.
  - A text or bytea value longer than 1 MiB is read from SQLite, sent and read back from
    PostgreSQL in pieces, so that memory stays near that of the same database without it (a 50 MiB
    TEXT and BLOB add about 3 MB). Large json and jsonb values, and tables C(WITHOUT ROWID), are
    still read whole.
"""

EXAMPLES = r"""
- name: Copy the application's SQLite database into the tables it created itself
  sqlite_to_postgres:
    src: /var/lib/bwaincell/data/bwaincell.sqlite
    login_host: 127.0.0.1
    login_user: bwaincell
    login_password: "{{ postgresql_app_password }}"
    login_db: bwaincell
  # The password is an argument: keep it out of the output (ANSIBLE_DEBUG=1 prints the module's
  # arguments). This hides the result too, errors included: register it, or use a password file
  # (next examples).
  no_log: true
  register: loaded

- name: Into an empty database, creating the tables, over the Unix socket as the superuser
  become: true
  become_user: postgres
  sqlite_to_postgres:
    src: /var/lib/bwaincell/data/bwaincell.sqlite
    login_unix_socket: /var/run/postgresql
    login_db: bwaincell
    exclude_tables: [SequelizeMeta]

- name: Write the password into a private libpq password file (mode 0600; ':' and '\' escaped)
  ansible.builtin.copy:
    dest: /root/.app.pgpass
    content: |
      db.example.net:5432:app:app:{{ vault_app_password | regex_replace('([:\x5c])', '\\\1') }}
    mode: "0600"
  no_log: true

- name: Reload after a failed cut-over, widening too-long varchar columns
  sqlite_to_postgres:
    src: /srv/app/db.sqlite
    login_host: db.example.net
    login_user: app
    login_db: app
    ssl_mode: verify-full
    ca_cert: /etc/ssl/certs/db-ca.pem
    if_not_empty: replace
    widen_varchar: true
  # No password argument: libpq reads it from the file, and the result stays visible.
  environment:
    PGPASSFILE: /root/.app.pgpass
  register: copy

- name: Show what was loaded
  ansible.builtin.debug:
    msg: "{{ copy.tables | map(attribute='name') | zip(copy.tables | map(attribute='target_rows')) }}"
"""

RETURN = r"""
changed:
  description: Whether any table was created or loaded (in check mode, whether it would be).
  returned: always
  type: bool
tables:
  description: One entry per table, in the order loaded (foreign-key order).
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: Table name., type: str}
    source_rows: {description: Rows read from SQLite., type: int}
    target_rows: {description: Rows in PostgreSQL after the load (as read back)., type: int}
    created: {description: Whether the module created the table., type: bool}
    action: {description: "C(created), C(loaded), C(replaced) or C(unchanged).", type: str}
    verified: {description: Whether the table was verified (O(verify)) against the source., type: bool}
    seconds: {description: Time spent on the table (load and verification)., type: float}
    digest: {description: "Content digest: 128-bit sum of per-row SHA-1 of the normalised rows.", type: str}
    numeric_dates:
      description:
        - "Per date/time column holding numbers (or named in O(date_numbers)): C(reading) (C(epoch_s),
          C(epoch_ms), C(epoch_us) or C(julian_day)), C(chosen_by) (C(data): every number in that
          unit's range; C(option): O(date_numbers)) and C(numbers) (how many values were numbers)."
      type: dict
    column_types:
      description:
        - "Per copied column, its PostgreSQL type as C(format_type) spells it: the existing column's, or
          what the module creates (in check mode, what it would create)."
      type: dict
  sample:
    - {name: users, source_rows: 40, target_rows: 40, created: false, action: loaded,
       verified: true, seconds: 0.02, digest: 6abc6b9c7e68694dd908069d8aa447ea,
       numeric_dates: {last_login: {reading: epoch_ms, chosen_by: data, numbers: 40}}}
kind:
  description:
    - What the failure is about, so that a caller can tell the cases apart without reading C(msg)
      (the failure summary of roles/bwaincell_migration does).
    - C(connection) PostgreSQL cannot be reached (or the connection was lost); C(target_not_empty)
      target tables hold rows that differ from the source and O(if_not_empty=fail); C(data) values or
      schema differences the target will not take (see RV(problems)); C(verification) the copy read
      back does not match the source; C(error) anything else.
  returned: on failure
  type: str
  choices: [error, connection, target_not_empty, data, verification]
  sample: target_not_empty
problems:
  description: Values or schema differences the target will not take (the module failed).
  returned: on failure
  type: list
  elements: dict
  contains:
    table: {description: Table., type: str}
    column: {description: Column (or null for a table-level problem)., type: str}
    key: {description: Primary key (or rowid) of the row., type: dict}
    reason: {description: Why the target will not take it., type: str}
    value: {description: Excerpt of the value., type: str}
  sample:
    - table: tasks
      column: title
      key: {id: 5}
      reason: "260 characters, longer than character varying(200)"
      value: "'xxxxxxxx...' (260 chars)"
ddl:
  description: >-
    DDL and sequence statements run (rolled back in check mode), including the foreign keys and
    indexes dropped before COPY and recreated after it; the C(setval()) of sequences the role does
    not own run just before the commit (in check mode they are listed, not run).
  returned: always
  type: list
  elements: str
warnings_list:
  description: Things left out (partial indexes, foreign keys to tables not migrated, ...).
  returned: always
  type: list
  elements: str
skipped:
  description:
    - Parts of the SQLite schema that are not migrated, one entry each, so that the operator sees
      them before switching over; each is also a warning.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: "What it is: C(view), C(trigger), C(virtual table), C(check constraint), ..."
      type: str
    name:
      description: "Its name (C(table.column) or C(table.constraint) where it belongs to a table)."
      type: str
    reason: {description: "Why it is not migrated, and what to do instead.", type: str}
mapped_names:
  description:
    - The names of this migration that PostgreSQL stores cut to 63 bytes (of the schema, the
      tables, their loaded columns, the indexes of created tables), one entry each; each is also
      a warning.
  returned: always
  type: list
  elements: dict
  contains:
    kind: {description: "C(schema), C(table), C(column) or C(index).", type: str}
    name: {description: The name in SQLite (or the O(schema) given)., type: str}
    postgres_name: {description: The name in PostgreSQL., type: str}
    table: {description: "The SQLite table of the table, column or index (null for the schema).", type: str}
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:  # this repository's layout (ansible.cfg: module_utils = module_utils)
    from ansible.module_utils.sqlite_pg.errors import MigrationError
    from ansible.module_utils.sqlite_pg.migrate import run
    from ansible.module_utils.sqlite_pg.options import Options
    from ansible.module_utils.sqlite_pg.pg_target import HAS_PSYCOPG2, LOGIN_ARGUMENT_SPEC, ConnectionOptions
except ImportError:  # the collection's (scripts/build-collection.sh)
    from ansible_collections.bwaincell.migration.plugins.module_utils.sqlite_pg.errors import MigrationError
    from ansible_collections.bwaincell.migration.plugins.module_utils.sqlite_pg.migrate import run
    from ansible_collections.bwaincell.migration.plugins.module_utils.sqlite_pg.options import Options
    from ansible_collections.bwaincell.migration.plugins.module_utils.sqlite_pg.pg_target import (
        HAS_PSYCOPG2,
        LOGIN_ARGUMENT_SPEC,
        ConnectionOptions,
    )

ARGUMENT_SPEC = dict(
    src=dict(type="path", required=True),
    **LOGIN_ARGUMENT_SPEC,  # login_host ... lock_timeout: module_utils/sqlite_pg/pg_target.py
    schema=dict(type="str", default="public"),
    tables=dict(type="list", elements="str"),
    exclude_tables=dict(type="list", elements="str", default=[]),
    exclude_columns=dict(type="list", elements="str", default=[]),
    if_not_empty=dict(type="str", default="fail", choices=["fail", "replace"]),
    verify=dict(type="str", default="full", choices=["count", "full"]),
    max_problems=dict(type="int", default=50),
    widen_varchar=dict(type="bool", default=False),
    strip_nul=dict(type="bool", default=False),
    date_numbers=dict(type="dict", default={}),
    create_missing=dict(type="bool", default=True),
    check_source=dict(type="bool", default=True),
    analyze=dict(type="bool", default=True),
    read_ahead_mb=dict(type="int", default=256),
)


def options_from(params, check_mode):
    connection = ConnectionOptions.from_params(params, "sqlite_to_postgres")
    return Options(
        src=params["src"],
        connection=connection,
        schema=params["schema"],
        tables=params["tables"],
        exclude_tables=params["exclude_tables"],
        exclude_columns=params["exclude_columns"],
        if_not_empty=params["if_not_empty"],
        verify=params["verify"],
        max_problems=params["max_problems"],
        widen_varchar=params["widen_varchar"],
        strip_nul=params["strip_nul"],
        date_numbers=params["date_numbers"],
        create_missing=params["create_missing"],
        check_source=params["check_source"],
        analyze=params["analyze"],
        read_ahead_mb=params["read_ahead_mb"],
        check_mode=check_mode,
    )


def diff_of(result):
    before, after = [], []
    for table in result["tables"]:
        if table["action"] == "unchanged":
            continue
        if table["created"]:
            before.append(f"{table['name']}: (no table)")
        else:
            before.append(f"{table['name']}: existing table")
        after.append(f"{table['name']}: {table['source_rows']} rows ({table['action']})")
    return {
        "before": "".join(line + "\n" for line in before),
        "after": "".join(line + "\n" for line in after),
    }


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
    except Exception as exc:  # an unforeseen failure: still nothing committed
        module.fail_json(
            msg=f"sqlite_to_postgres failed: {exc}", exception=traceback.format_exc(), changed=False
        )
    warnings = result.pop("warnings")
    for warning in warnings:
        module.warn(warning)
    result["warnings_list"] = warnings
    if module._diff:
        result["diff"] = diff_of(result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
