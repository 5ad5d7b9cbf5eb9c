from django.conf import settings

from pages.store.site_settings import request_site


def site(request):
    """The site's name and Just the Docs' header/footer settings from its _config.yml.

    `static_search_index` is set only while `build_site` writes the static site: the header's search
    then reads that file in the browser instead of asking the server."""
    info = request_site(request)
    return {
        "site_name": info.name,
        "search_enabled": info.rules.search_enabled,
        "aux_links": info.rules.aux_links,
        "aux_links_new_tab": info.rules.aux_links_new_tab,
        "heading_anchors": info.rules.heading_anchors,
        "back_to_top_text": info.rules.back_to_top_text,
        "footer_html": info.footer_html,
        "custom_callouts": bool(info.rules.callouts),
        "static_search_index": getattr(settings, "QUIRE_STATIC_SEARCH_INDEX", ""),
    }
