"""URLs, titles and dates that Jekyll derives from a file's path; and the reverse, a path for a URL. Pure."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePosixPath

from pages.jekyll_site import NO_CONFIG, SiteRules

DATE_PREFIX_RE = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})(?:-|\s+|\Z)")


def _has_dot_dot(path: str) -> bool:
    return any(part == ".." for part in re.split(r"[/\\]", path))


def default_url(path: str, rules: SiteRules | None = None) -> str:
    """The URL Jekyll gives a file without a permalink under `rules` (default: no _config.yml, so
    Quire's pretty URLs): folder/file.md → /folder/file/ (with a config: /folder/file.html unless
    `permalink: pretty`); folder/index.md → /folder/; [cat/]_posts/YYYY-MM-DD-slug.md →
    /[cat/]YYYY/MM/DD/slug/ (or the config's post style); a document of an output collection →
    /label/path/ (or the collection's permalink).
    """
    return (rules or NO_CONFIG).url(path, {}, date_from_text(PurePosixPath(path).name))


def page_url(
    permalink, path: str, rules: SiteRules | None = None, fm: dict | None = None, date=None, placement=None
) -> str:
    """The page's URL: its permalink when given (placeholders such as :path or :title filled in, made
    to start with '/'), else the URL the site's permalink style gives it.

    Raises ValueError for a permalink that climbs out of the site (`..`), is not a plain path, or
    names a placeholder the page does not have.
    """
    if date is None:
        date = date_from_text(path.rpartition("/")[2])
    values = dict(fm or {})
    values["permalink"] = permalink
    return (rules or NO_CONFIG).url(path, values, date, placement)


def site_path(value: str, what: str) -> str:
    """A site-relative path as written in front matter, checked and made to start with '/'."""
    text = value.strip()
    if not text or any(ch in text for ch in "\x00\r\n\t") or "://" in text or text.startswith("//"):
        raise ValueError(f"{what} '{value}' is not a site path such as /docs/page/")
    if _has_dot_dot(text):
        raise ValueError(f"{what} '{value}' contains '..'; paths must stay inside the site")
    if ":" in text:
        raise ValueError(f"{what} '{value}' uses Jekyll placeholders, which only a permalink may use")
    return text if text.startswith("/") else "/" + text


def title_from_path(path: str) -> str:
    """A readable title from a file name: `2016-05-19-new-release.md` → `New release`."""
    stem = PurePosixPath(path).stem
    if stem == "index":
        stem = PurePosixPath(path).parent.name or "Home"
    stem = DATE_PREFIX_RE.sub("", stem) or stem
    words = re.sub(r"[-_]+", " ", stem).strip() or stem
    return words[:1].upper() + words[1:]


def date_from_text(text: str) -> dt.datetime | None:
    """The date in a `YYYY-MM-DD-` file name or a `YYYY-MM-DD ` title prefix, or None."""
    match = DATE_PREFIX_RE.match(text)
    if not match:
        return None
    try:
        return dt.datetime(*(int(g) for g in match.groups()), tzinfo=dt.UTC)
    except ValueError:
        return None


def path_for_url(url: str) -> str:
    """Where a page made in the admin is written: /docs/install/ → docs/install.md, / → index.md."""
    parts = [part for part in url.strip("/").split("/") if part and part not in (".", "..")]
    if not parts:
        return "index.md"
    name = re.sub(r"\.html?$", "", parts[-1]) or "index"
    return "/".join([*parts[:-1], f"{name}.md"])


class SourceIndex:
    """Resolves root-relative source paths (as links and `{% post_url %}` name them) to page URLs."""

    def __init__(self, urls: dict[str, str]):
        self.urls: dict[str, str] = {}
        tails: dict[str, set[str]] = {}
        for path, url in urls.items():
            stem = path.rsplit(".", 1)[0] if path.rsplit("/", 1)[-1].count(".") else path
            for key in (path, stem):
                self.urls.setdefault(key, url)
                parts = key.split("/")
                for i in range(1, len(parts)):
                    tails.setdefault("/".join(parts[i:]), set()).add(url)
        self.tails = {tail: next(iter(found)) for tail, found in tails.items() if len(found) == 1}

    def __call__(self, path: str) -> str | None:
        key = path.strip().lstrip("/")
        if key.startswith("./"):
            key = key[2:]
        return self.urls.get(key) or self.tails.get(key)
