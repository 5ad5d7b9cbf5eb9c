"""Three-way merges (git merge-file), diff3 conflict output, and the similarity renames use."""

from pages.content.merging import conflict_excerpt, has_conflict_markers, merge3, similarity

BASE = "---\ntitle: A\n---\none\ntwo\nthree\nfour\nfive\nsix\n"


def test_edits_on_different_lines_merge_cleanly():
    file_side = BASE.replace("one", "ONE")
    admin_side = BASE.replace("six", "SIX")
    result = merge3(BASE, file_side, admin_side)
    assert result.clean and result.text == BASE.replace("one", "ONE").replace("six", "SIX")


def test_one_sided_and_identical_edits_need_no_merge():
    edited = BASE.replace("two", "2")
    assert merge3(BASE, edited, BASE).text == edited
    assert merge3(BASE, BASE, edited).text == edited
    assert merge3(BASE, edited, edited).text == edited


def test_overlapping_edits_are_a_conflict_in_diff3_style():
    result = merge3(BASE, BASE.replace("three", "file 3"), BASE.replace("three", "admin 3"))
    assert result.conflicts == 1 and not result.clean
    assert (
        "<<<<<<< file\nfile 3\n||||||| base (last sync)\nthree\n=======\nadmin 3\n>>>>>>> admin\n"
        in result.text
    )
    assert has_conflict_markers(result.text)
    excerpt = conflict_excerpt(result.text, "a.md")
    assert (
        excerpt.startswith("--- a.md: conflict")
        and "title: A" not in excerpt
        and "one\ntwo\n<<<<<<< file" in excerpt
    )


def test_crlf_and_non_ascii_text_merge_byte_for_byte():
    base = BASE.replace("\n", "\r\n").replace("one", "ünë")
    result = merge3(base, base.replace("two", "deux"), base.replace("five", "cinq"))
    assert result.clean and result.text == base.replace("two", "deux").replace("five", "cinq")


def test_similarity_recognises_a_lightly_edited_file():
    assert similarity(BASE, BASE) == 1.0
    assert similarity(BASE, BASE.replace("six", "6")) >= 0.8
    assert similarity(BASE, "---\ntitle: B\n---\nsomething else entirely\n") < 0.8
