"""`manage.py export_pages DIR`: a thin wrapper around pages.sync.exporting.export_pages."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pages.content.merging import conflict_excerpt
from pages.sync.exporting import export_pages
from pages.sync.git_sync import GitError, export_and_commit
from pages.sync.report_text import printable

EXIT_CONFLICTS = 3


class Command(BaseCommand):
    help = (
        "Write every page to DIR as a markdown file with YAML front matter: at the path it was imported "
        "from (pages made in the admin: a path made from their URL). Unedited pages come back byte for "
        "byte; an edited page changes only what its editor changed. Unchanged files are not touched. "
        "A file edited since the last sync is never overwritten: when the page changed too, both edits "
        "are merged line by line; overlapping edits are a conflict (file left alone, exit status 3)."
    )
    missing_args_message = "Name the folder to write the markdown files to."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, metavar="DIR")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List the files that would be written (with -v 2: a unified diff of each).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Write the database's text even over files edited since the last sync "
            "(their edits are lost).",
        )
        parser.add_argument(
            "--commit",
            action="store_true",
            help="When DIR is in a git work tree: commit the written files, one commit per editor "
            "(author: the editor's name and email; the message lists the pages). Never pushes.",
        )
        parser.add_argument(
            "--no-sync-state",
            action="store_true",
            help="Do not record the written files as the pages' last sync (for a copy elsewhere).",
        )

    def handle(self, *args, directory, dry_run, force, commit, no_sync_state, verbosity, **options):
        if directory.exists() and not directory.is_dir():
            raise CommandError(printable(f"'{directory}' exists and is not a folder."))
        settings = {
            "dry_run": dry_run,
            "record_sync": not no_sync_state,
            "force": force,
            "diffs": verbosity >= 2,
        }
        made: list[str] = []
        if commit:
            try:
                result, made = export_and_commit(directory, **settings)
            except GitError as exc:
                raise CommandError(printable(f"--commit: {exc}; nothing committed.")) from exc
        else:
            result = export_pages(directory, **settings)
        for message in result.errors:
            self.stderr.write(self.style.ERROR(printable(message)))
        for path in result.conflicts:
            self.stderr.write(
                self.style.WARNING(
                    printable(f"{path}: conflict: edited in the admin and in the file; file left alone")
                )
            )
            self.stderr.write(printable(conflict_excerpt(result.diffs[path], path), block=True), ending="")
        verb = "would be " if dry_run else ""
        if verbosity >= 1:
            for path in result.newer_on_disk:
                line = f"{path}: changed on disk since the last sync, page unchanged: left alone (import it)"
                self.stdout.write(self.style.WARNING(printable(line)))
            for path in result.missing:
                line = f"{path}: deleted on disk: not written back "
                line += "(import with --prune to unpublish it, or --force)"
                self.stdout.write(self.style.WARNING(printable(line)))
            for path in result.merged:
                self.stdout.write(
                    printable(
                        f"{path}: {verb}merged (edited in the admin and in the file; import again to "
                        "bring the file's edits into Quire)"
                    )
                )
        if verbosity >= 2:
            for path in result.not_written:
                self.stdout.write(printable(f"{path}: not written (unpublished when its file was deleted)"))
            for label, paths in (("written", result.created), ("updated", result.updated)):
                for path in paths:
                    self.stdout.write(printable(f"{path}: {verb}{label}"))
                    self.stdout.write(printable(result.diffs.get(path, ""), block=True), ending="")
            for path in result.merged:
                self.stdout.write(printable(result.diffs.get(path, ""), block=True), ending="")
        if verbosity >= 1:
            self.stdout.write(result.summary() + (" (dry run: nothing was written)" if dry_run else ""))
        if commit and verbosity >= 1 and not dry_run:
            self.stdout.write(f"Made {len(made)} commit(s): {' '.join(c[:12] for c in made)}")
        if result.conflicts:
            raise CommandError(
                f"{len(result.conflicts)} file(s) edited in the admin and on disk on the same lines were "
                "left alone; resolve them in the admin (Sync conflicts), with import_pages --prefer, "
                "or overwrite with --force.",
                returncode=EXIT_CONFLICTS,
            )
        if result.errors:
            raise CommandError(f"{len(result.errors)} page(s) could not be written.")
