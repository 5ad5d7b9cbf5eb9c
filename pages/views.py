"""Public views: read only. Bodies were rendered at save time; nothing renders markdown here."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from pages.models import Page
from pages.selectors import home_page, nav_pages

DEFAULT_TEMPLATE = "pages/page.html"


def page_detail(request, url_path: str = ""):
    """Show one published page. Template: pages/page.html; context: page, nav."""
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
    return render(request, DEFAULT_TEMPLATE, {"page": page, "nav": nav_pages()})
