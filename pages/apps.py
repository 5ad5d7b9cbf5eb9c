from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Pages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from pages.editing.login_throttle import connect_login_signals
        from pages.site.db_timeouts import connect_timeouts
        from pages.store.search import restore_search_index_after_migrate

        connect_timeouts()
        connect_login_signals()
        post_migrate.connect(
            restore_search_index_after_migrate, sender=self, dispatch_uid="quire-search-index"
        )
