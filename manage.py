#!/usr/bin/env python
"""Django's command-line utility for Quire."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_project.settings")
    # Commands (an import, a migration of a large site) may run long statements: no statement timeout
    # unless the environment sets one. Web processes keep QUIRE_DB_STATEMENT_TIMEOUT's default.
    os.environ.setdefault("QUIRE_DB_STATEMENT_TIMEOUT", "0")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
