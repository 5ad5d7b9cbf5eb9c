"""The navigation tree: order, hierarchy, exclusions, breadcrumbs, neighbours and the shared HTML."""

from pages.nav_tree import NavRecord, build_tree, home_record, mark_current, render_nav_html


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
    assert "Hidden" not in render_nav_html(tree)
    assert "Under hidden" not in render_nav_html(tree)


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


def test_rendered_nav_escapes_titles_and_has_no_current_page():
    """The shared HTML escapes titles and marks nothing current until mark_current runs."""
    tree = build_tree([rec(1, "<b>Bold</b> & co")])
    html = render_nav_html(tree)
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html
    assert "aria-current" not in html
    assert "is-open" not in html


def test_mark_current_opens_ancestors_and_marks_only_the_current_link():
    """The current link gets aria-current; it and its ancestors open; nothing else changes."""
    tree = build_tree(SITE)
    html = mark_current(render_nav_html(tree), 6, [2, 5])
    assert html.count('aria-current="page"') == 1
    assert 'href="/tuning/" data-nav-link="6" aria-current="page"' in html
    assert 'class="nav-item is-open" data-nav="2"' in html
    assert 'class="nav-item is-open" data-nav="5"' in html
    assert 'class="nav-item is-current is-open" data-nav="6"' in html
    assert 'aria-expanded="true" aria-controls="nav-2"' in html
    assert 'aria-expanded="false" aria-controls="nav-4"' not in html  # Configure has no children
    assert 'class="nav-item" data-nav="7"' in html  # Reference stays closed


def test_mark_current_does_not_confuse_ids_with_common_prefixes():
    """Marking page 1 leaves page 12 untouched."""
    records = [rec(1, "One", "1"), rec(12, "Twelve", "2")]
    html = mark_current(render_nav_html(build_tree(records)), 1, [])
    assert 'data-nav-link="12" aria-current' not in html
    assert 'data-nav-link="1" aria-current="page"' in html
