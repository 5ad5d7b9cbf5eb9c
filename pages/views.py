"""Public views: read only. Bodies were rendered at save time; nothing renders markdown here."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject

from pages.caching import cache_public_response, cached_nav_html
from pages.models import Page
from pages.selectors import home_page, nav_pages

DEFAULT_TEMPLATE = "pages/page.html"


@cache_public_response
def page_detail(request, url_path: str = ""):
    """Show one published page. Template: pages/page.html; context: page, nav, nav_html."""
    path = "/" + url_path
    if path == "/":
        page = home_page()
        if page is None:
            return render(request, "pages/empty.html", {"nav": []})
    else:
        if not path.endswith("/"):
            path += "/"
        page = get_object_or_404(Page.objects.published(), url_path=path)
    if page is None:
        raise Http404
    nav_html = cached_nav_html(
        lambda: render_to_string("pages/_nav.html", {"nav": nav_pages()}), page.url_path, request=request
    )
    return render(
        request, DEFAULT_TEMPLATE, {"page": page, "nav": SimpleLazyObject(nav_pages), "nav_html": nav_html}
    )
