"""`manage.py import_pages DIR [DIR ...]`: a thin wrapper around pages.sync.importing.import_folders."""

import argparse
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pages.sync.import_lock import ImportBusy
from pages.sync.importing import ImportOptions, ImportReport, import_folders
from pages.sync.report_text import printable
from pages.sync.watching import watch_runs

EXIT_INVALID, EXIT_CHANGES, EXIT_CONFLICTS, EXIT_BUSY = 1, 2, 3, 4
PROGRESS_FROM = 50  # files: smaller runs finish before a progress bar would help


def _preference(value: str) -> tuple[str, str | None]:
    side, _, path = value.partition(":")
    if side not in ("file", "db") or (_ and not path):
        raise argparse.ArgumentTypeError(f"{value!r}: expected file, db, file:PATH or db:PATH")
    return side, path or None


class Command(BaseCommand):
    help = (
        "Import folders of markdown files with YAML front matter into pages, in one atomic run. "
        "Re-running updates pages instead of duplicating them. Exit status: 0 done, 1 invalid files "
        "(nothing changed), 2 changes pending (--check), 3 conflicts left alone, 4 another import is running."
    )
    missing_args_message = "Name at least one folder of markdown files to import."
    # System checks probe the database (JSON support on SQLite). While another import holds SQLite's write
    # lock that probe fails and Django 6 reports it as a model error, hiding the clear "another import
    # is running" answer. The checks run with migrate and runserver; an import needs none of them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("directories", nargs="+", type=Path, metavar="DIR")
        parser.add_argument(
            "--prefer",
            action="append",
            type=_preference,
            default=[],
            metavar="file|db[:PATH]",
            help="When a page was edited in the admin and in its file on the same lines: which one wins. "
            "`file` or `db` for every conflict of the run; `file:PATH` or `db:PATH` for one page "
            "(PATH as the report names it); repeatable.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; change nothing."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Like --dry-run, and exit with status 2 if anything would change.",
        )
        parser.add_argument(
            "--prune", action="store_true", help="Unpublish (never delete) pages whose files are gone."
        )
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Import the valid files and report the invalid ones."
        )
        parser.add_argument(
            "--batch-size", type=int, default=200, help="Files written per batch (default 200)."
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=0,
            help="Processes rendering markdown in large runs (default: one per core).",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=10.0,
            help="Seconds to wait for another import to finish (default 10).",
        )
        parser.add_argument(
            "--watch",
            action="store_true",
            help="After the import, keep watching the folders and import changed markdown files as "
            "they are saved (within a second). Stop with Ctrl+C.",
        )
        parser.add_argument(
            "--baseurl", default=None, help="Jekyll's site.baseurl for site links (default: QUIRE_BASEURL)."
        )

    def handle(self, *args, directories, verbosity, **options):
        for directory in directories:
            if not directory.is_dir():
                raise CommandError(printable(f"No folder named '{directory}'."), returncode=EXIT_INVALID)
        dry_run = options["dry_run"] or options["check"]
        everywhere = [side for side, path in options["prefer"] if path is None]
        if len(set(everywhere)) > 1:
            raise CommandError("--prefer file and --prefer db cannot both apply to every page.")
        import_options = ImportOptions(
            prefer=everywhere[0] if everywhere else None,
            prefer_paths={path: side for side, path in options["prefer"] if path is not None},
            prune=options["prune"],
            dry_run=dry_run,
            skip_invalid=options["skip_invalid"],
            batch_size=max(1, options["batch_size"]),
            jobs=options["jobs"],
            wait=options["wait"],
            baseurl=options["baseurl"],
            diffs=verbosity >= 2,
            progress=self._progress if verbosity >= 1 and self._on_terminal() else None,
        )
        if verbosity >= 3:
            import_options.progress = self._progress_lines
        if options["watch"]:
            if dry_run:
                raise CommandError("--watch imports; it cannot be combined with --dry-run or --check.")
            self._watch(directories, import_options, verbosity)
            return
        try:
            report = import_folders(directories, import_options)
        except ImportBusy as exc:
            raise CommandError(printable(exc), returncode=EXIT_BUSY) from exc
        self._report(report, verbosity)
        if report.failed:
            raise CommandError(
                f"{len(report.errors)} problem(s) found; nothing was imported. "
                "Fix them, or pass --skip-invalid to import the valid files.",
                returncode=EXIT_INVALID,
            )
        if options["check"] and (report.changes or report.conflicts):
            raise CommandError("Pages differ from the files (--check).", returncode=EXIT_CHANGES)
        if report.conflicts:
            raise CommandError(
                f"{len(report.conflicts)} page(s) changed in the admin and in their file were left alone; "
                "resolve them in the admin (Sync conflicts), or pass --prefer file or --prefer db "
                "(or file:PATH / db:PATH for one page) to decide.",
                returncode=EXIT_CONFLICTS,
            )

    def _watch(self, directories, import_options: ImportOptions, verbosity: int, stop_event=None) -> None:
        """Import, then import again after every change to the folders' markdown files, until stopped.

        Each run is the ordinary import (unchanged files are skipped by their hash, so a run after one
        saved file costs little); a conflict or an invalid file is reported and the watch goes on.
        """
        try:
            for _ in watch_runs(directories, stop_event=stop_event):
                try:
                    report = import_folders(directories, import_options)
                except ImportBusy as exc:
                    self.stderr.write(
                        self.style.WARNING(printable(f"{exc}; trying again at the next change"))
                    )
                    continue
                self._report(report, verbosity)
                self.stdout.flush()
        except KeyboardInterrupt:
            pass  # Ctrl+C during a run: that run is rolled back, as any interrupted import is
        if verbosity >= 1:
            self.stdout.write("Stopped watching.")

    def _on_terminal(self) -> bool:
        return hasattr(sys.stderr, "isatty") and sys.stderr.isatty()

    def _progress(self, done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files{end}")
        sys.stderr.flush()

    def _progress_lines(self, done: int, total: int) -> None:
        self.stdout.write(f"Imported {done}/{total} files")
        self.stdout.flush()

    def _report(self, report: ImportReport, verbosity: int) -> None:
        for error in report.errors:
            self.stderr.write(self.style.ERROR(printable(error)))
        if verbosity >= 1:
            for path in report.conflicts:
                self.stderr.write(
                    self.style.WARNING(printable(f"{path}: conflict: edited in the admin and in the file"))
                )
                self.stderr.write(printable(report.diffs.get(path, ""), block=True), ending="")
            for path, warnings in sorted(report.warnings.items()):
                for warning in warnings:
                    self.stdout.write(self.style.WARNING(printable(f"{path}: warning: {warning}")))
            for path in report.pruned:
                self.stdout.write(printable(f"{path}: unpublished (its file is gone)"))
            for new_path, old_path in sorted(report.renamed.items()):
                self.stdout.write(
                    printable(f"{new_path}: renamed from {old_path} (same page; its old URL redirects)")
                )
            for path in report.merged:
                self.stdout.write(
                    printable(f"{path}: merged (edited in the admin and in the file, on different lines)")
                )
            if report.commit and verbosity >= 2:
                self.stdout.write(printable(f"Imported git commit {report.commit}"))
            for path in report.files.pruned:
                self.stdout.write(printable(f"{path}: site file removed (its file is gone)"))
        if verbosity >= 2:
            verb = "would be " if report.dry_run else ""
            for label, paths in (("created", report.created), ("updated", report.updated),
                                 ("unchanged", report.unchanged), ("skipped", report.skipped)):  # fmt: skip
                for path in paths:
                    notes = "; ".join(report.notes.get(path, []))
                    self.stdout.write(printable(f"{path}: {verb}{label}" + (f" ({notes})" if notes else "")))
                    if label == "updated" and path in report.diffs:
                        self.stdout.write(printable(report.diffs[path], block=True), ending="")
            for label, paths in (("stored", report.files.created), ("stored again", report.files.updated)):
                for path in paths:
                    self.stdout.write(printable(f"{path}: site file {verb}{label}"))
        if verbosity >= 1:
            self.stdout.write(report.summary())
