"""Copy a SQLite database into PostgreSQL and prove the copy.

The logic of the ``sqlite_to_postgres`` Ansible module, as plain typed Python
that tests import directly. Modules here use relative imports only, so that
Ansible's AnsiballZ can ship the package as ``ansible.module_utils.sqlite_pg``.
"""
