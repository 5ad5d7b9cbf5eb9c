from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Pages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from pages.db_timeouts import connect_timeouts
        from pages.login_throttle import connect_login_signals

        connect_timeouts()
        connect_login_signals()
