"""URLs, titles and dates that Jekyll derives from a file's path; and the reverse, a path for a URL. Pure."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePosixPath

DATE_PREFIX_RE = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})(?:-|\s+|\Z)")
POSTS_DIR = "_posts"


def _has_dot_dot(path: str) -> bool:
    return any(part == ".." for part in re.split(r"[/\\]", path))


def default_url(path: str) -> str:
    """Jekyll's pretty URL for a file.

    folder/file.md → /folder/file/; folder/index.md → /folder/; [cat/]_posts/YYYY-MM-DD-slug.md →
    /[cat/]YYYY/MM/DD/slug/; a collection folder such as _docs/ loses its underscore (/docs/...).
    """
    p = PurePosixPath(path)
    parts = [part for part in p.parent.parts if part not in ("", ".")]
    stem = p.stem
    if POSTS_DIR in parts:
        index = parts.index(POSTS_DIR)
        match = DATE_PREFIX_RE.match(stem)
        if match:
            categories = [part.lstrip("_") for part in parts[:index]]
            slug = stem[match.end() :]
            return "/" + "".join(f"{part}/" for part in [*categories, *match.groups(), slug] if part)
    parts = [part[1:] if part.startswith("_") else part for part in parts]
    if stem != "index":
        parts.append(stem)
    return "/" + "".join(f"{part}/" for part in parts)


# Whitespace other than the plain space, and control characters: browsers drop tabs and line breaks
# from URLs (so "/\t/evil.example" is "//evil.example"), and the rest cannot be typed or shown safely.
_UNSAFE_CHARACTER_RE = re.compile(r"[^\S ]|[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_ENCODED_SEPARATOR_RE = re.compile(r"%(?:2[eEfF]|5[cC])")


def url_problem(url: str) -> str | None:
    """What makes `url` unfit as a page URL or an old URL that redirects, or None when it is fine.

    The one rule for every URL a page can get (the import's permalinks, redirect_from and URLs made from
    file paths; the admin's URL field): a path inside the site, one way to read it, that no browser
    resolves to another site. Callers prefix the subject ("permalink '/x' ...", "The URL ...").
    """
    if not url.startswith("/"):
        return "is not a site path such as /docs/page/ (it must start with '/')"
    if _has_dot_dot(url) or "/./" in url or url.endswith("/."):
        return "contains '..'; paths must stay inside the site"
    if "\\" in url:
        return "contains '\\', which browsers read as '/' (a link to it could lead to another site)"
    if "://" in url or url.startswith("//"):
        return "is not a site path such as /docs/page/ (it names another site)"
    if ":" in url:
        return "contains ':' (Jekyll placeholders such as :title are not expanded by Quire)"
    if _UNSAFE_CHARACTER_RE.search(url):
        return "contains a tab, line break, invisible or control character"
    if "//" in url:
        return "contains '//' (an empty folder name)"
    if "?" in url or "#" in url:
        return "contains '?' or '#' (a query or an anchor is not part of a page's URL)"
    if _ENCODED_SEPARATOR_RE.search(url):
        return (
            "contains an encoded '.', '/' or '\\' (%2E, %2F or %5C), read differently by servers and browsers"
        )
    return None


def page_url(permalink, path: str) -> str:
    """The page's URL: its permalink when given (made to start with '/'), else Jekyll's default.

    Raises ValueError for a URL `url_problem` refuses (a permalink climbing out of the site with `..`,
    a backslash, a scheme, ...), naming the permalink or, without one, the file path it came from.
    """
    if permalink is None or permalink == "":
        url = default_url(path)
        problem = url_problem(url)
        if problem:
            raise ValueError(
                f"the URL {url} made from the file's path {problem}; rename the file or set a permalink"
            )
        return url
    if not isinstance(permalink, str):
        raise ValueError(f"permalink must be text, not {type(permalink).__name__}")
    return site_path(permalink, "permalink")


def site_path(value: str, what: str) -> str:
    """A site-relative path as written in front matter, made to start with '/' and checked by
    `url_problem`; a ValueError names `what` and the value."""
    text = value.strip()
    if not text:
        raise ValueError(f"{what} '{value}' is not a site path such as /docs/page/")
    path = text if text.startswith("/") else "/" + text
    problem = url_problem(path)
    if problem:
        raise ValueError(f"{what} '{value}' {problem}")
    return path


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
