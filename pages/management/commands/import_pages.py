from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pages.importing import import_directory


class Command(BaseCommand):
    help = "Import a folder of markdown files with YAML front matter into pages (safe to re-run)."
    missing_args_message = "Name at least one folder of markdown files to import."

    def add_arguments(self, parser):
        parser.add_argument("directories", nargs="+", type=Path)
        parser.add_argument("--prefer", choices=["file", "db"], default=None)

    def handle(self, *args, directories, prefer, verbosity, **options):
        for directory in directories:
            if not directory.is_dir():
                raise CommandError(f"No folder named '{directory}'.")
            result = import_directory(directory)
            for message in result.errors:
                self.stderr.write(message)
            if result.errors:
                raise CommandError(f"{directory}: {len(result.errors)} file(s) could not be imported.")
            if verbosity >= 1:
                self.stdout.write(result.summary())
