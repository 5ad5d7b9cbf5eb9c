from django.conf import settings


def site(request):
    return {"site_name": settings.QUIRE_SITE_NAME}
