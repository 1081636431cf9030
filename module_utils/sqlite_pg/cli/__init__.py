"""The command-line faces, ``sqlite-to-postgres`` and ``postgres-to-sqlite``: the
modules' options (options.Options, reverse_options.ReverseOptions) as flags, the same
runs, the same results, and a progress display on a terminal. Not shipped in the
collection: the modules do not need it (scripts/build-collection.sh)."""
