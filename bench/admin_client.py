"""An editor in the Django admin over HTTP: log in, open a page's change form, change its body, save.

The form is read the way a browser reads it (every field of the change form, hidden ones included,
such as a version field for optimistic locking), so the save goes through the admin's own path.
"""

from __future__ import annotations

import http.cookiejar
import urllib.parse
import urllib.request
from html.parser import HTMLParser


class FormReader(HTMLParser):
    """The fields of one form (by id) as a browser would submit them."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file", "image"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value") or ("on" if a.get("type") == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value") or ""))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select":
            self._select = None


def read_form(html: str, form_id: str) -> list[tuple[str, str]]:
    reader = FormReader(form_id)
    reader.feed(html)
    return reader.fields


class AdminEditor:
    def __init__(self, base: str, timeout: float = 60):
        self.base = base
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def _get(self, path: str) -> tuple[int, str, str]:
        with self.opener.open(self.base + path, timeout=self.timeout) as response:
            return response.status, response.geturl(), response.read().decode()

    def _post(self, path: str, fields: list[tuple[str, str]]) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.base + path, data=data, method="POST")
        with self.opener.open(request, timeout=self.timeout) as response:
            return response.status, response.geturl(), response.read().decode()

    def log_in(self, username: str, password: str) -> None:
        _, _, html = self._get("/admin/login/")
        fields = dict(read_form(html, "login-form"))
        fields.update(username=username, password=password, next="/admin/")
        _, url, _ = self._post("/admin/login/", list(fields.items()))
        if "/admin/login/" in url:
            raise RuntimeError("admin login failed")

    def append_to_body(self, page_id: int, text: str) -> bool:
        """Open the change form, append text to the body, save; True when the admin accepted it."""
        path = f"/admin/pages/page/{page_id}/change/"
        _, _, html = self._get(path)
        fields = read_form(html, "page_form")
        fields = [(k, v + text if k == "body" else v) for k, v in fields] + [("_save", "Save")]
        _, url, _ = self._post(path, fields)
        return not url.rstrip("/").endswith(f"{page_id}/change")
