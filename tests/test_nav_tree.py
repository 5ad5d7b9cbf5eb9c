"""The navigation tree: order, hierarchy, exclusions, breadcrumbs, neighbours and the shared HTML."""

import re

from pages.content.nav_tree import (
    NavRecord,
    NavTree,
    build_tree,
    closed_items,
    home_record,
    window_bounds,
)
from tests.nav_html import render_branch_html, render_nav_html, render_range_html


def branch_url(page_id):
    return f"/-/nav/{page_id}/"


def sidebar(tree, current_id=None, ancestor_ids=()):
    return render_nav_html(tree, closed_items(tree, branch_url), branch_url, current_id, ancestor_ids)


def rec(id, title, nav_order="", parent_id=None, **extra):
    extra.setdefault("url_path", f"/{title.lower().replace(' ', '-')}/")
    return NavRecord(id=id, title=title, nav_order=nav_order, parent_id=parent_id, **extra)


SITE = [
    rec(1, "Home", "1", source_path="index.md", url_path="/"),
    rec(2, "Guide", "2"),
    rec(3, "Install", "2", parent_id=2),
    rec(4, "Configure", "1", parent_id=2),
    rec(5, "Advanced", "3", parent_id=2),
    rec(6, "Tuning", "1", parent_id=5),
    rec(7, "Reference", "3"),
    rec(8, "Hidden", "4", nav_exclude=True),
    rec(9, "Under hidden", "1", parent_id=8),
]


def titles(records):
    return [r.title for r in records]


def test_roots_and_children_follow_nav_order():
    """Siblings are sorted by nav_order at every level."""
    tree = build_tree(SITE)
    assert titles(tree.roots) == ["Home", "Guide", "Reference"]
    assert titles(tree.children_of(2)) == ["Configure", "Install", "Advanced"]


def test_order_is_depth_first():
    """Previous/next order walks the tree depth first, like reading the sidebar top to bottom."""
    tree = build_tree(SITE)
    assert titles(tree.order) == ["Home", "Guide", "Configure", "Install", "Advanced", "Tuning", "Reference"]


def test_nav_exclude_hides_the_page_and_its_subtree():
    """A nav_exclude page and everything under it are missing from the tree and the order."""
    tree = build_tree(SITE)
    assert not tree.in_nav(8)
    assert not tree.in_nav(9)
    assert "Hidden" not in "".join(closed_items(tree, branch_url).values())
    assert "Under hidden" not in sidebar(tree, 9, [8])


def test_page_whose_parent_is_not_public_is_left_out():
    """A child of a draft (absent from the records) is not promoted to the top level."""
    tree = build_tree([rec(1, "A"), rec(2, "Orphan", parent_id=99)])
    assert titles(tree.order) == ["A"]


def test_child_nav_order_reversed_reverses_children_only():
    """`child_nav_order: reversed` (or `desc`) reverses the page's children, not their siblings."""
    records = [
        rec(1, "Notes", "1", child_nav_order="reversed"),
        rec(2, "First", "1", parent_id=1),
        rec(3, "Second", "2", parent_id=1),
        rec(4, "Third", "3", parent_id=1),
        rec(5, "Other", "2", child_nav_order="desc"),
        rec(6, "X", "1", parent_id=5),
        rec(7, "Y", "2", parent_id=5),
    ]
    tree = build_tree(records)
    assert titles(tree.children_of(1)) == ["Third", "Second", "First"]
    assert titles(tree.children_of(5)) == ["Y", "X"]
    assert titles(tree.roots) == ["Notes", "Other"]


def test_lineage_gives_breadcrumbs_root_first():
    """The trail above a page runs from the top of its section down to its parent."""
    tree = build_tree(SITE)
    assert titles(tree.lineage(5)) == ["Guide", "Advanced"]
    assert tree.lineage(None) == []


def test_lineage_survives_a_parent_cycle():
    """A cycle in parent links (bad data) ends the trail instead of looping forever."""
    tree = build_tree([rec(1, "A", parent_id=2), rec(2, "B", parent_id=1)])
    assert sorted(titles(tree.lineage(1))) == ["A", "B"]


def test_neighbours_in_navigation_order():
    """Previous and next come from the depth-first order; the ends have None."""
    tree = build_tree(SITE)
    previous, following = tree.neighbours(5)
    assert (previous.title, following.title) == ("Install", "Tuning")
    assert tree.neighbours(1)[0] is None
    assert tree.neighbours(7)[1] is None
    assert tree.neighbours(8) == (None, None)


def test_home_record_rules():
    """`/` is the page at `/`, else the root index page, else the first page in nav order."""
    assert home_record(build_tree(SITE)).title == "Home"
    index_only = [rec(1, "B", "1"), rec(2, "Index", "2", source_path="index.md")]
    assert home_record(build_tree(index_only)).title == "Index"
    plain = [rec(1, "B", "2"), rec(2, "A", "1")]
    assert home_record(build_tree(plain)).title == "A"
    assert home_record(build_tree([])) is None


def test_rendered_nav_sanitises_titles_escapes_urls_and_has_no_current_page():
    """Inline HTML in titles is shown (as Just the Docs shows it) but sanitised; URLs are escaped; a
    sidebar without a current page marks and opens nothing."""
    tree = build_tree(
        [
            rec(1, "<b>Bold</b> & co", url_path='/a"b/'),
            rec(2, '<i onclick="x()">in</i><script>y()</script>', url_path="/i/"),
        ]
    )
    html = sidebar(tree)
    assert "<b>Bold</b> &amp; co</a>" in html
    assert "<i>in</i></a>" in html and "onclick" not in html and "script" not in html
    assert 'href="/a&quot;b/"' in html
    assert "aria-current" not in html
    assert "is-open" not in html


def test_sidebar_holds_the_top_level_and_only_the_current_branch():
    """The current page and its ancestors are open with their children; closed sections list none of
    their pages, only a toggle naming where to load them from."""
    tree = build_tree(SITE)
    html = sidebar(tree, 6, [2, 5])
    assert html.count('aria-current="page"') == 1
    assert 'href="/tuning/" data-nav-link="6" aria-current="page"' in html
    assert '<li class="nav-item is-open" data-nav="2">' in html
    assert '<li class="nav-item is-open" data-nav="5">' in html
    assert '<li class="nav-item is-current" data-nav="6">' in html  # Tuning has no children
    assert 'aria-expanded="true" aria-controls="nav-2" data-branch="/-/nav/2/"' in html
    assert titles_in(html) == ["Home", "Guide", "Configure", "Install", "Advanced", "Tuning", "Reference"]
    top = sidebar(tree)
    assert titles_in(top) == ["Home", "Guide", "Reference"]
    assert 'aria-expanded="false" data-branch="/-/nav/2/"' in top  # its list is not in the page
    assert 'data-branch="/-/nav/7/"' not in top  # Reference has no children: no toggle


def test_a_section_page_shows_its_children_closed():
    """On a page with children, they are listed (closed), and the page is current and open."""
    tree = build_tree(SITE)
    html = sidebar(tree, 2)
    assert '<li class="nav-item is-current is-open" data-nav="2">' in html
    assert titles_in(html) == ["Home", "Guide", "Configure", "Install", "Advanced", "Reference"]
    assert '<li class="nav-item" data-nav="5">' in html  # Advanced: closed, Tuning not listed


def test_a_branch_lists_one_level_of_children_closed():
    tree = build_tree(SITE)
    closed = closed_items(tree, branch_url)
    branch = render_branch_html(tree, closed, 2)
    assert branch.startswith('<ul class="nav-list" id="nav-2">')
    assert titles_in(branch) == ["Configure", "Install", "Advanced"]
    assert 'data-branch="/-/nav/5/"' in branch
    assert render_branch_html(tree, closed, 6) is None  # no children
    assert render_branch_html(tree, closed, 8) is None  # nav_exclude: not in the navigation


def test_marking_the_current_page_does_not_confuse_ids_with_common_prefixes():
    """Marking page 1 leaves page 12 untouched."""
    records = [rec(1, "One", "1"), rec(12, "Twelve", "2")]
    html = sidebar(build_tree(records), 1)
    assert 'data-nav-link="12" aria-current' not in html
    assert 'data-nav-link="1" aria-current="page"' in html


def titles_in(html):
    return re.findall(r'class="nav-link"[^>]*>([^<]*)</a>', html)


# -- windows over long levels -------------------------------------------------------------------------
def flat_tree(count: int) -> NavTree:
    return build_tree(NavRecord(i, f"Post {i:05d}", f"/p{i}/", nav_order=str(i)) for i in range(1, count + 1))


def test_window_bounds_centre_on_the_open_entry():
    assert window_bounds(10, 5, 0) == (0, 10)  # no window
    assert window_bounds(10, 5, 20) == (0, 10)  # short level
    assert window_bounds(1000, None, 100) == (0, 100)
    assert window_bounds(1000, 500, 100) == (450, 550)
    assert window_bounds(1000, 3, 100) == (0, 100)
    assert window_bounds(1000, 998, 100) == (900, 1000)


def test_a_long_top_level_is_windowed_around_the_current_page():
    """10,000 top-level pages: the sidebar holds 100 entries around the current one and two "more" entries
    for the rest, whose links load the hidden runs."""
    tree = flat_tree(10_000)
    closed = closed_items(tree, branch_url)
    html = render_nav_html(tree, closed, branch_url, current_id=5000, window=100)
    assert html.count('data-nav-link="') == 100
    assert 'data-nav-link="5000" aria-current="page"' in html
    more = (
        '<a class="nav-more-link" href="/-/nav/0/0-4949/" data-more="/-/nav/0/0-4949/">4,949 more pages</a>'
    )
    assert more in html
    assert 'href="/-/nav/0/5049-10000/"' in html and "4,951 more pages" in html
    assert len(html) < 15_000


def test_a_more_entry_loads_one_window_and_chains_the_rest():
    tree = flat_tree(1000)
    closed = closed_items(tree, branch_url)
    part = render_range_html(tree, closed, 0, 100, 1000, branch_url, window=100)
    assert part.count('data-nav-link="') == 100
    assert 'data-nav-link="101"' in part and 'data-nav-link="200"' in part
    assert 'href="/-/nav/0/200-1000/"' in part
    last = render_range_html(tree, closed, 0, 950, 1000, branch_url, window=100)
    assert last.count('data-nav-link="') == 50 and "nav-more" not in last
    assert render_range_html(tree, closed, 0, 900, 1200, branch_url, window=100) is None
    assert render_range_html(tree, closed, 42, 0, 10, branch_url, window=100) is None


def test_a_long_branch_loads_its_first_window():
    records = [NavRecord(1, "Blog", "/blog/")] + [
        NavRecord(i, f"Post {i:05d}", f"/blog/p{i}/", nav_order=str(i), parent_id=1) for i in range(2, 502)
    ]
    tree = build_tree(records)
    closed = closed_items(tree, branch_url)
    branch = render_branch_html(tree, closed, 1, branch_url, window=100)
    assert branch.count('data-nav-link="') == 100
    assert 'href="/-/nav/1/100-500/"' in branch and "400 more pages" in branch
