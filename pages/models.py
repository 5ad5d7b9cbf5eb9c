"""Quire's content model: one row per markdown page, plus what is derived from it."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from markdownx.models import MarkdownxField

from pages.content import column_limits


class PageQuerySet(models.QuerySet):
    def published(self) -> PageQuerySet:
        """Pages readers may see: published, and not dated in the future (Jekyll's `future: false`)."""
        return self.filter(published=True).filter(models.Q(date__isnull=True) | models.Q(date__lte=Now()))

    def drafts(self) -> PageQuerySet:
        return self.filter(published=False)

    def scheduled(self) -> PageQuerySet:
        return self.filter(published=True, date__gt=Now())

    def searchable(self) -> PageQuerySet:
        return self.published().filter(search_exclude=False)


class Page(models.Model):
    DRAFT, SCHEDULED, PUBLISHED = "draft", "scheduled", "published"

    title = models.CharField(max_length=column_limits.PAGE_TITLE)
    url_path = models.CharField(
        "URL",
        max_length=column_limits.PAGE_URL,
        unique=True,
        help_text="The page's path on the site, starting with '/', e.g. /docs/install/ or /docs/install.html",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    nav_order = models.CharField(
        max_length=column_limits.PAGE_NAV_ORDER,
        blank=True,
        help_text="As written in front matter: an integer, a number such as 4.5, or text.",
    )
    date = models.DateTimeField(null=True, blank=True, db_index=True)
    body = MarkdownxField(blank=True)

    published = models.BooleanField(default=True, db_index=True)
    nav_exclude = models.BooleanField(default=False)
    search_exclude = models.BooleanField(default=False)
    has_toc = models.BooleanField(default=True)
    description = models.TextField(blank=True)

    # Every front-matter key, as parsed (JSON-safe) and as written (the YAML text, for export).
    front_matter = models.JSONField(default=dict, blank=True)
    front_matter_raw = models.TextField(blank=True)

    # Rendered once, at import or save; never during a public request.
    body_html = models.TextField(blank=True, editable=False)
    toc = models.JSONField(default=list, blank=True, editable=False)
    render_warnings = models.JSONField(default=list, blank=True, editable=False)

    # Sync state with the markdown file this page came from.
    source_path = models.CharField(max_length=1000, unique=True, null=True, blank=True)
    source_format = models.JSONField(default=dict, blank=True, editable=False)
    file_hash = models.CharField(max_length=64, blank=True, editable=False)
    synced_content_hash = models.CharField(max_length=64, blank=True, editable=False)
    # The whole file text at the last sync (import or export): the base of three-way merges.
    # Nullable so that adding it is a plain ALTER TABLE on SQLite (the search triggers stay in place).
    synced_text = models.TextField(null=True, blank=True, editable=False)  # noqa: DJ001

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["url_path"]
        permissions = [("publish_page", "Can publish and unpublish pages")]

    def __str__(self) -> str:
        return self.title

    @property
    def status(self) -> str:
        """What readers get, as the admin list and the preview banner say it: "draft" (not published),
        "scheduled" (published, dated in the future: it appears on its date) or "published" (public).
        The same rule as `Page.objects.drafts()`, `.scheduled()` and `.published()`, for one page."""
        if not self.published:
            return self.DRAFT
        if self.date and self.date > timezone.now():
            return self.SCHEDULED
        return self.PUBLISHED


class PageSection(models.Model):
    """One heading section of a page: the unit search finds and links to."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField()
    anchor = models.CharField(max_length=column_limits.SECTION_ANCHOR, blank=True)
    heading = models.CharField(max_length=column_limits.SECTION_HEADING, blank=True)
    level = models.PositiveSmallIntegerField(default=1)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["page", "position"]
        constraints = [models.UniqueConstraint(fields=["page", "position"], name="unique_section_position")]

    def __str__(self) -> str:
        return f"{self.page.title} § {self.heading or '(top)'}"


class Redirect(models.Model):
    """An old URL that answers 301 to a page (moved pages and `redirect_from`)."""

    old_path = models.CharField(max_length=1000, unique=True)
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="redirects")
    from_front_matter = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.old_path} → {self.page.url_path}"


class SyncConflict(models.Model):
    """A page edited in the admin and in its file where the edits overlap: left alone until resolved.

    Holds the file's side as it was found (the admin's side is the page, the base its `synced_text`),
    so the admin's conflict screen can show and merge all three without reading the disk.
    """

    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="sync_conflict")
    file_text = models.TextField()
    file_hash = models.CharField(max_length=64)
    found_by = models.CharField(max_length=20)  # "import" or "export"
    found_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["page__url_path"]

    def __str__(self) -> str:
        return f"conflict in {self.page.source_path or self.page.url_path}"


class SiteState(models.Model):
    """One row: the site-wide content version that keys every cache (bumped by each change)."""

    content_version = models.PositiveBigIntegerField(default=1)
    # The folder page paths are relative to, as recorded at the first import (absolute path).
    site_root = models.CharField(max_length=1000, null=True, blank=True)  # noqa: DJ001

    def __str__(self) -> str:
        return f"content version {self.content_version}"


class SiteConfig(models.Model):
    """One row: the site's `_config.yml` as read by the last import (never written back by export)."""

    text = models.TextField("_config.yml", blank=True, help_text="The file as written.")
    data = models.JSONField("settings", default=dict, blank=True)
    has_config = models.BooleanField(default=False, help_text="A _config.yml was found at the last import.")
    source = models.CharField(max_length=1000, blank=True, help_text="Where the file was read from.")
    baseurl = models.CharField(
        max_length=1000, blank=True, help_text="The path prefix the site is served under (e.g. /docs)."
    )
    file_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "site configuration"
        verbose_name_plural = "site configuration"

    def __str__(self) -> str:
        return self.source or "site configuration"


class SiteFile(models.Model):
    """A non-markdown file of the site (image, PDF, ...), kept in the media storage at its own path."""

    path = models.CharField(max_length=1000, unique=True, help_text="Path in the imported folder.")
    url_path = models.CharField(max_length=1000, unique=True, help_text="The file's URL on the site.")
    storage_name = models.CharField(max_length=1100)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.path


class PageDraft(models.Model):
    """Changes to a published page saved by someone without the publish permission (pages.editing.drafts).

    Readers keep seeing the page row; the draft holds the proposed fields until a publisher publishes
    or rejects it. One draft per page: whoever edits the page next continues it.
    """

    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="pending_draft")
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    base_version = models.PositiveIntegerField(help_text="The page's version when the draft was saved.")
    version = models.PositiveIntegerField(
        default=1, help_text="Bumped on each save: two editors never overwrite."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Changes awaiting publication: {self.page.title}"


class UploadedImage(models.Model):
    """An image uploaded through the editor, listed in its media library for reuse."""

    url = models.CharField(max_length=1000, unique=True)
    original_name = models.CharField(max_length=255, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name or self.url
