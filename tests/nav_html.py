"""The sidebar renderers of `pages.content.nav_tree` over a whole tree in memory: how the tests call them
(the site reads its levels from the shared cache instead, `pages.site.nav_cache`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pages.content.nav_tree import (
    NO_WINDOW,
    NavTree,
    TreeSource,
    render_branch,
    render_range,
    render_sidebar,
)


def render_nav_html(
    tree: NavTree,
    closed: dict[int, str],
    branch_url: Callable[[int], str],
    current_id: int | None = None,
    ancestor_ids: Iterable[int] = (),
    prefix: str = "",
    window: int = NO_WINDOW,
    after_pages: str = "",
) -> str:
    """The sidebar of a whole tree in memory (see `render_sidebar`)."""
    return render_sidebar(
        TreeSource(tree, closed), branch_url, current_id, ancestor_ids, prefix, window, after_pages
    )


def render_branch_html(
    tree: NavTree,
    closed: dict[int, str],
    page_id: int,
    branch_url: Callable[[int], str] | None = None,
    window: int = NO_WINDOW,
) -> str | None:
    return render_branch(TreeSource(tree, closed), page_id, branch_url, window)


def render_range_html(
    tree: NavTree,
    closed: dict[int, str],
    parent_id: int | str,
    start: int,
    end: int,
    branch_url: Callable[[int], str],
    window: int,
) -> str | None:
    return render_range(TreeSource(tree, closed), parent_id, start, end, branch_url, window)
