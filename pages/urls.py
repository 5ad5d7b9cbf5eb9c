from django.urls import path

from pages import views

app_name = "pages"

urlpatterns = [
    path("", views.page_detail, name="home"),
    path("<path:url_path>", views.page_detail, name="page"),
]
