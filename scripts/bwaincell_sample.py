#!/usr/bin/env python3
"""Write a sample Bwaincell SQLite database: the command line of the package
scripts/bwaincell_sample/ (``--help``). Run as a script, this file's directory is on
``sys.path`` and the package (a directory) is found before this file."""

import sys

from bwaincell_sample.cli import main

if __name__ == "__main__":
    sys.exit(main())
