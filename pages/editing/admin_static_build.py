"""The admin's "Build static site" button: `build_site` into QUIRE_STATIC_BUILD_DIR, incrementally,
while the publisher waits, with the result as a message.

Who: staff who may publish pages (`pages.publish_page`): the build publishes the public site. A second
build into the same folder, from this server or another sharing it, is refused at once with a message
(`pages.site.build_lock`), never queued, so a click never waits on another build.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect

from pages.site.build_lock import BuildBusy


def build_folder() -> Path | None:
    folder = getattr(settings, "QUIRE_STATIC_BUILD_DIR", "") or ""
    return Path(folder) if str(folder).strip() else None


def can_build(model_admin, request: HttpRequest) -> bool:
    return model_admin.has_publish_permission(request) and build_folder() is not None


def build_static_view(model_admin, request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not model_admin.has_publish_permission(request):
        raise PermissionDenied
    # Imported here, not with the admin: it brings Django's test client, which no web request needs.
    from pages.site.static_site import BuildError, build_site

    folder = build_folder()
    if folder is None:
        messages.error(request, "No folder to build into: set QUIRE_STATIC_BUILD_DIR.")
    else:
        try:
            report = build_site(folder, incremental=True, workers=1)
        except BuildBusy:
            messages.warning(
                request,
                f"Another build is writing into {folder}; nothing was started. "
                "Try again when it has finished.",
            )
        except BuildError as error:
            messages.error(request, f"The static site was not built: {error}")
        else:
            messages.success(request, f"Built the static site into {folder}: {report.summary()}.")
            for problem in report.skipped:
                messages.warning(request, problem)
    return redirect("admin:pages_page_changelist")
