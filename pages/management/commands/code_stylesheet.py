"""Write the Pygments stylesheet for highlighted code (light and dark) to static/quire/pygments.css."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from pages.content.code_styles import stylesheet


class Command(BaseCommand):
    help = "Write static/quire/pygments.css: Pygments' classes in a light and a dark style."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / "static" / "quire" / "pygments.css")
        )

    def handle(self, *args, output: str, **options):
        Path(output).write_text(stylesheet(), encoding="utf-8")
        self.stdout.write(f"Wrote {output}")
