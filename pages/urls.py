from django.contrib.sitemaps.views import sitemap
from django.urls import path

from pages import diagrams, views
from pages.feeds import LatestPagesFeed
from pages.sitemaps import PageSitemap

app_name = "pages"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("search.json", views.search_json, name="search_json"),
    path("feed.xml", LatestPagesFeed(), name="feed"),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": PageSitemap}}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("-/nav/<int:page_id>/", views.nav_branch, name="nav_branch"),
    path("-/diagram-frame/", diagrams.diagram_frame, name="diagram_frame"),
    path("_preview/<int:pk>/", views.preview, name="preview"),
    path("", views.page_detail, name="home"),
    path("<path:url_path>", views.page_detail, name="page"),
]
