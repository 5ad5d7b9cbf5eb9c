from django.conf import settings


def site(request):
    """Site-wide template values. `static_search_index` is set only while `build_site` writes the
    static site: the header's search then reads that file in the browser instead of asking the server."""
    return {
        "site_name": settings.QUIRE_SITE_NAME,
        "static_search_index": getattr(settings, "QUIRE_STATIC_SEARCH_INDEX", ""),
    }
