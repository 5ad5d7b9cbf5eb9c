"""`manage.py export_pages DIR`: a thin wrapper around pages.exporting.export_pages."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pages.exporting import export_pages
from pages.report_text import printable


class Command(BaseCommand):
    help = (
        "Write every page to DIR as a markdown file with YAML front matter: at the path it was imported "
        "from (pages made in the admin: a path made from their URL). Unedited pages come back byte for "
        "byte; an edited page changes only what its editor changed. Unchanged files are not touched."
    )
    missing_args_message = "Name the folder to write the markdown files to."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, metavar="DIR")
        parser.add_argument("--dry-run", action="store_true", help="List the files that would be written.")
        parser.add_argument(
            "--no-sync-state",
            action="store_true",
            help="Do not record the written files as the pages' last sync (for a copy elsewhere).",
        )

    def handle(self, *args, directory, dry_run, no_sync_state, verbosity, **options):
        if directory.exists() and not directory.is_dir():
            raise CommandError(printable(f"'{directory}' exists and is not a folder."))
        result = export_pages(directory, dry_run=dry_run, record_sync=not no_sync_state)
        for message in result.errors:
            self.stderr.write(self.style.ERROR(printable(message)))
        if verbosity >= 2:
            verb = "would be " if dry_run else ""
            for label, paths in (("written", result.created), ("updated", result.updated)):
                for path in paths:
                    self.stdout.write(printable(f"{path}: {verb}{label}"))
        if verbosity >= 1:
            self.stdout.write(result.summary() + (" (dry run: nothing was written)" if dry_run else ""))
        if result.errors:
            raise CommandError(f"{len(result.errors)} page(s) could not be written.")
