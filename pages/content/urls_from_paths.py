"""URLs, titles and dates that Jekyll derives from a file's path; and the reverse, a path for a URL. Pure."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePosixPath

from pages.content.jekyll_site import NO_CONFIG, SiteRules

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


# Whitespace other than the plain space, and control characters: browsers drop tabs and line breaks
# from URLs (so "/\t/evil.example" is "//evil.example"), and the rest cannot be typed or shown safely.
_UNSAFE_CHARACTER_RE = re.compile(r"[^\S ]|[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_ENCODED_SEPARATOR_RE = re.compile(r"%(?:2[eEfF]|5[cC])")


def url_problem(url: str, *, template: bool = False) -> str | None:
    """What makes `url` unfit as a page URL or an old URL that redirects, or None when it is fine.

    The one rule for every URL a page can get (the import's permalinks, redirect_from and URLs made from
    file paths or the site's permalink style; the admin's URL field): a path inside the site, one way to
    read it, that no browser resolves to another site. Callers prefix the subject ("permalink '/x' ...",
    "The URL ..."). `template=True` checks a front-matter permalink before its Jekyll placeholders
    (`:basename`, `:title`, ...) are filled in: everything but ':' is checked; the filled-in URL is then
    checked again in full.
    """
    if not url.startswith("/"):
        return "is not a site path such as /docs/page/ (it must start with '/')"
    if _has_dot_dot(url) or "/./" in url or url.endswith("/."):
        return "contains '..'; paths must stay inside the site"
    if "\\" in url:
        return "contains '\\', which browsers read as '/' (a link to it could lead to another site)"
    if "://" in url or url.startswith("//"):
        return "is not a site path such as /docs/page/ (it names another site)"
    if ":" in url and not template:
        return "contains ':' (Jekyll placeholders such as :title belong only in a permalink)"
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


def page_url(
    permalink, path: str, rules: SiteRules | None = None, fm: dict | None = None, date=None, placement=None
) -> str:
    """The page's URL: its permalink when given (placeholders such as :path or :title filled in, made
    to start with '/'), else the URL the site's permalink style gives it.

    Raises ValueError for a URL `url_problem` refuses (a permalink climbing out of the site with `..`,
    a backslash, a scheme, ...) or a permalink naming a placeholder the page does not have; the message
    names the permalink or, without one, the file path the URL came from.
    """
    if date is None:
        date = date_from_text(path.rpartition("/")[2])
    values = dict(fm or {})
    values["permalink"] = permalink
    given = permalink not in (None, "")
    if given and isinstance(permalink, str):
        problem = url_problem(_as_site_path(permalink), template=True)
        if problem:
            raise ValueError(f"permalink '{permalink}' {problem}")
    url = (rules or NO_CONFIG).url(path, values, date, placement)
    problem = url_problem(url)
    if problem and given:
        raise ValueError(f"permalink '{permalink}' gives the URL {url}, which {problem}")
    if problem:
        raise ValueError(
            f"the URL {url} made from the file's path {problem}; rename the file or set a permalink"
        )
    return url


def _as_site_path(value: str) -> str:
    """The value without surrounding whitespace, starting with '/' (Jekyll reads `docs/x/` as /docs/x/)."""
    text = value.strip()
    return text if text.startswith("/") else "/" + text


def site_path(value: str, what: str) -> str:
    """The one rule for a URL given as text, and its normalisation: a page's URL typed in the admin
    (or read from a page's text), an old URL in `redirect_from`. Surrounding whitespace is dropped and
    a missing leading '/' added, as Jekyll does; the result must pass `url_problem`. A ValueError names
    `what` (the field: "redirect_from", "The URL") and the value as given.

    A permalink is read by `page_url`, which applies the same normalisation and rule once its
    placeholders are filled in.
    """
    if not value.strip():
        raise ValueError(f"{what} '{value}' is not a site path such as /docs/page/")
    path = _as_site_path(value)
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
