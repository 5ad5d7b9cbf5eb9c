from django.conf import settings
from django.urls import path

from pages.editing import preview
from pages.site import diagrams, media, sitemaps, views
from pages.site.caching import cache_public_response
from pages.site.db_router import reads_from_replica
from pages.site.feeds import LatestPagesFeed

app_name = "pages"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("search.json", views.search_json, name="search_json"),
    path("feed.xml", cache_public_response(reads_from_replica(LatestPagesFeed())), name="feed"),
    path("sitemap.xml", sitemaps.sitemap_xml, name="sitemap"),
    path("sitemap-<int:number>.xml", sitemaps.sitemap_part, name="sitemap_part"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("-/nav/<int:page_id>/", views.nav_branch, name="nav_branch"),
    path("-/callouts.css", views.callouts_css, name="callouts_css"),
    path("-/nav/<int:page_id>/<int:start>-<int:end>/", views.nav_entries, name="nav_entries"),
    path(
        "-/nav/c<int:index>/<int:start>-<int:end>/",
        views.nav_collection_entries,
        name="nav_collection_entries",
    ),
    path("-/diagram-frame/", diagrams.diagram_frame, name="diagram_frame"),
    path("_preview/<int:pk>/", preview.page_preview, name="preview"),
    path(settings.MEDIA_URL.strip("/") + "/<path:name>", media.serve_media, name="media"),
    path("", views.page_detail, name="home"),
    path("<path:url_path>", views.page_detail, name="page"),
]
