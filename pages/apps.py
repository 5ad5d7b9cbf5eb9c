from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Pages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from pages.caching import connect_invalidation
        from pages.db_timeouts import connect_timeouts

        connect_invalidation()
        connect_timeouts()
