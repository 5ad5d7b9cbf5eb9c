"""Re-render every stored page (run it after the renderer or the sanitiser changes)."""

from django.core.management.base import BaseCommand, CommandError

from pages.sync.rerendering import DEFAULT_BATCH_SIZE, rerender_pages


class Command(BaseCommand):
    help = (
        "Re-render every page's HTML, table of contents, render warnings and search sections, in batches, "
        "and bump the content version so caches are refreshed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Pages per transaction (default {DEFAULT_BATCH_SIZE}).",
        )

    def handle(self, *args, batch_size: int, verbosity: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")

        def progress(done: int, total: int) -> None:
            if verbosity >= 2:
                self.stdout.write(f"{done}/{total} pages")

        result = rerender_pages(batch_size=batch_size, progress=progress)
        if verbosity >= 1:
            self.stdout.write(result.summary())
