"""The admin's "Build static site" button, the build lock, and `build_site --watch`."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from pages.models import Page
from pages.site.build_lock import BuildBusy, build_lock
from pages.site.static_site import build_site
from pages.site.static_watch import watch
from tests.admin_factories import make_editor, make_page
from tests.commits import committed

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/pages/page/"
BUILD = "/admin/pages/page/build-static/"


@pytest.fixture
def folder(settings, tmp_path):
    settings.QUIRE_STATIC_BUILD_DIR = str(tmp_path / "public")
    make_page(title="Guide", url_path="/guide/", body="Hello")
    return tmp_path / "public"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# ------------------------------------------------------------------------------------------- button
def test_a_publisher_sees_the_button_and_builds_the_site(folder):
    client = client_for(make_editor("pub", can_publish=True))
    page = client.get(CHANGELIST).content.decode()
    assert 'action="/admin/pages/page/build-static/"' in page and "Build static site" in page
    response = client.post(BUILD, follow=True)
    assert response.redirect_chain[-1][0] == CHANGELIST
    (message,) = messages_of(response)
    assert message.startswith(f"Built the static site into {folder}: ") and "pages" in message
    assert "Hello" in (folder / "guide/index.html").read_text()
    Page.objects.filter(url_path="/guide/").update(title="Guide two")  # the next click is incremental
    again = messages_of(client.post(BUILD, follow=True))[0]
    assert "files written" in again


def test_an_editor_without_publish_permission_has_no_button_and_cannot_build(folder):
    client = client_for(make_editor("ed"))
    assert "Build static site" not in client.get(CHANGELIST).content.decode()
    assert client.post(BUILD).status_code == 403
    assert not folder.exists()


def test_no_button_without_a_configured_folder(folder, settings):
    settings.QUIRE_STATIC_BUILD_DIR = ""
    client = client_for(make_editor("pub", can_publish=True))
    assert "Build static site" not in client.get(CHANGELIST).content.decode()
    assert messages_of(client.post(BUILD, follow=True)) == [
        "No folder to build into: set QUIRE_STATIC_BUILD_DIR."
    ]


def test_the_button_only_posts(folder):
    client = client_for(make_editor("pub", can_publish=True))
    assert client.get(BUILD).status_code == 405
    assert not folder.exists()


def test_a_click_while_another_build_runs_is_refused_at_once(folder):
    client = client_for(make_editor("pub", can_publish=True))
    with build_lock(folder):  # another build (another process or server) holds the folder
        (message,) = messages_of(client.post(BUILD, follow=True))
    assert message.startswith(f"Another build is writing into {folder}; nothing was started.")
    assert not (folder / "guide").exists()
    assert messages_of(client.post(BUILD, follow=True))[0].startswith("Built the static site")


# --------------------------------------------------------------------------------------------- lock
def test_the_lock_refuses_a_second_build_and_is_free_again_afterwards(folder):
    with build_lock(folder), pytest.raises(BuildBusy, match="another build is writing"):
        build_site(folder, site_url="https://docs.example.org")
    with pytest.raises(CommandError, match="another build is writing"), build_lock(folder):
        call_command("build_site", str(folder), verbosity=0)
    assert build_site(folder, site_url="https://docs.example.org").pages == 2  # the page and /


def test_the_lock_is_released_when_its_process_dies(folder, tmp_path):
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time\n"
         f"h = os.open({str(folder / '.quire-build.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
         "fcntl.flock(h, fcntl.LOCK_EX)\nprint('locked', flush=True)\nsys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    ) if folder.mkdir(parents=True) is None else None  # fmt: skip
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(BuildBusy):
        build_site(folder, site_url="https://docs.example.org")
    holder.kill()
    holder.wait(timeout=10)
    assert build_site(folder, site_url="https://docs.example.org").pages == 2


# -------------------------------------------------------------------------------------------- watch
def test_watch_builds_again_only_when_the_content_changed(folder):
    builds = []

    def edit_once(seconds):
        if len(builds) == 1 and not Page.objects.filter(url_path="/notes/").exists():
            with committed():
                make_page(title="Notes", url_path="/notes/", body="Fresh notes", nav_exclude=True)

    count = watch(
        lambda: build_site(folder, site_url="https://docs.example.org", incremental=True),
        interval=0.5,
        max_rounds=3,
        report=builds.append,
        wait=edit_once,
    )
    assert count == 2 and len(builds) == 2
    assert (builds[1].rendered, builds[1].pages) == (1, 3)  # incremental: the new page only
    assert "Fresh notes" in (folder / "notes/index.html").read_text()


def test_watch_command_stops_after_its_rounds_and_on_ctrl_c(folder, monkeypatch, capsys):
    from pages.site import static_watch

    monkeypatch.setattr(static_watch.time, "sleep", lambda seconds: None)
    call_command("build_site", str(folder), "--watch", "--interval", "0.1", "--max-rounds", "2")
    out = capsys.readouterr().out
    assert "Watching for changes every 0.1 s" in out and out.count(" pages (") == 1
    assert (folder / "guide/index.html").is_file()

    def interrupt(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(static_watch.time, "sleep", interrupt)
    call_command("build_site", str(folder), "--watch")
    assert capsys.readouterr().out.rstrip().endswith("Stopped watching.")


def test_watch_options_are_checked():
    with pytest.raises(CommandError, match="--interval must be above 0"):
        call_command("build_site", "/tmp/x", "--watch", "--interval", "0")


def test_watch_waits_out_a_database_blip_and_a_busy_folder(folder):
    """A poll that cannot reach the database, or a build refused because another holds the folder, is
    reported and tried again at the next poll; the change is built then."""
    from django.db import OperationalError

    from pages.site.build_lock import BuildBusy

    versions = iter([1, None, 2, 2, 2])

    def version():
        value = next(versions)
        if value is None:
            raise OperationalError("could not connect to server")
        return value

    attempts, builds, warnings = [], [], []

    def build():
        attempts.append(1)
        if len(attempts) == 2:
            raise BuildBusy("another build is writing into the folder")
        return build_site(folder, site_url="https://docs.example.org", incremental=True)

    count = watch(
        build,
        interval=0.1,
        max_rounds=4,
        report=builds.append,
        warn=warnings.append,
        version=version,
        wait=lambda seconds: None,
    )
    assert len(warnings) == 2
    assert "OperationalError" in warnings[0] and "BuildBusy" in warnings[1]
    assert (count, len(attempts)) == (2, 3), "version 2 is built at the poll after the busy one"
