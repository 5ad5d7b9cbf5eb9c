"""The sample site, imported for browser tests, with search sections for the pages the tests search."""

from django.core.management import call_command

from pages.models import Page, PageSection
from tests.conftest import SAMPLE_CONTENT


def import_sample_site() -> None:
    call_command("import_pages", str(SAMPLE_CONTENT), verbosity=0)
    deployment = Page.objects.get(url_path="/deployment/")
    PageSection.objects.filter(page=deployment).delete()
    PageSection.objects.bulk_create(
        [
            PageSection(page=deployment, position=0, anchor="", level=1, text="Run Quire in production."),
            PageSection(
                page=deployment, position=1, anchor="static-files", heading="Static files", level=2,
                text="Static files are served by WhiteNoise with compressed, content-hashed names.",
            ),
        ]
    )  # fmt: skip
