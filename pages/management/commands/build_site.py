"""`manage.py build_site OUT`: a thin wrapper around pages.site.static_site.build_site."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pages.site.build_lock import BuildBusy
from pages.site.static_site import BuildError, build_site
from pages.site.static_watch import watch


class Command(BaseCommand):
    help = (
        "Write the public site into OUT as static files (pages, sidebar branches, 404.html, feed, sitemap, "
        "robots.txt, static and media files, redirects, a search index) for GitHub Pages, a CDN or a bucket."
    )
    missing_args_message = "Name the folder to write the site to."

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path, metavar="OUT")
        parser.add_argument(
            "--base-url",
            default=None,
            help="The path the site is served under, e.g. /docs/ (default: the site's baseurl, else /).",
        )
        parser.add_argument(
            "--site-url",
            default=None,
            help="The site's address for canonical links, feed and sitemap, e.g. https://docs.example.org "
            "(default: QUIRE_SITE_URL).",
        )
        parser.add_argument(
            "--incremental",
            action="store_true",
            help="Render only what changed since the last build into OUT, and delete what is gone.",
        )

        parser.add_argument(
            "--workers", type=int, default=None, help="Processes rendering pages (default: one per CPU)."
        )
        parser.add_argument(
            "--watch",
            action="store_true",
            help="Build, then build again incrementally whenever the content changes, until Ctrl-C.",
        )
        parser.add_argument(
            "--interval", type=float, default=2.0, help="With --watch: seconds between checks (default 2)."
        )
        parser.add_argument(
            "--max-rounds", type=int, default=None, help="With --watch: stop after this many checks."
        )

    def handle(self, *args, out, base_url, site_url, incremental, workers, verbosity, **options):
        if workers is not None and workers < 1:
            raise CommandError("--workers must be 1 or more")
        if options["interval"] <= 0 or (options["max_rounds"] is not None and options["max_rounds"] < 0):
            raise CommandError("--interval must be above 0 and --max-rounds 0 or more")
        log = self.stdout.write if verbosity >= 2 else (lambda message: None)

        def build(incremental: bool = incremental):
            try:
                return build_site(
                    out,
                    base_url=base_url,
                    site_url=site_url,
                    incremental=incremental,
                    workers=workers,
                    log=log,
                )
            except (BuildError, BuildBusy) as error:
                raise CommandError(str(error)) from error

        if not options["watch"]:
            self._report(build(), verbosity)
            return
        self.stdout.write(f"Watching for changes every {options['interval']:g} s; Ctrl-C stops.")

        def build_again():  # a busy folder or a database blip is waited out by `watch`
            try:
                return build_site(
                    out, base_url=base_url, site_url=site_url, incremental=True, workers=workers, log=log
                )
            except BuildError as error:
                raise CommandError(str(error)) from error

        try:
            watch(
                build_again,
                interval=options["interval"],
                max_rounds=options["max_rounds"],
                report=lambda report: self._report(report, verbosity),
                warn=lambda message: self.stderr.write(self.style.WARNING(message)),
            )
        except KeyboardInterrupt:
            self.stdout.write("Stopped watching.")

    def _report(self, report, verbosity):
        for message in report.skipped:
            self.stderr.write(self.style.WARNING(message))
        if verbosity >= 3:
            for path in report.written:
                self.stdout.write(f"written: {path}")
            for path in report.deleted:
                self.stdout.write(f"deleted: {path}")
        if verbosity >= 1:
            self.stdout.write(report.summary())
