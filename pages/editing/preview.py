"""The staff preview of a page: as readers will see it, whatever its status, or with its pending draft
or an older revision in place (the admin's "Preview" links)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from pages.editing import drafts
from pages.models import Page
from pages.site.nav_cache import site_navigation
from pages.site.selectors import page_context
from pages.site.views import DEFAULT_TEMPLATE as PAGE_TEMPLATE


@never_cache
@login_required(login_url="admin:login")
@require_safe
def page_preview(request, pk: int):
    """A page as readers will see it, whatever its status, for staff who may change pages; with
    `?draft=1` its changes awaiting publication, with `?revision=<id>` an older revision."""
    if not request.user.has_perm("pages.change_page"):
        raise PermissionDenied
    page = get_object_or_404(Page, pk=pk)
    proposed = drafts.proposed_page(page, request.GET)
    navigation = site_navigation(request)
    context = page_context(page, navigation, request)
    context["preview"] = proposed[1] if proposed else page.status
    return render(request, PAGE_TEMPLATE, context)
