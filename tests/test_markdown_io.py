"""Splitting files into front matter and body by Jekyll's rules, and writing them back byte for byte."""

import pytest

from pages.content.markdown_io import (
    CRLF,
    LF,
    MAX_FILE_BYTES,
    MIXED,
    SourceError,
    parse_text,
    read_file,
    split_front_matter,
    write_bytes,
)


def round_trip(data: bytes) -> bytes:
    source = read_file("page.md", data)
    return write_bytes(source.front_matter_raw, source.body, source.source_format)


def test_front_matter_only_at_byte_zero():
    """A `---` block after the first line is body (a horizontal rule), not front matter."""
    source = parse_text("a.md", "\n---\ntitle: x\n---\n")
    assert source.has_front_matter is False
    assert source.front_matter == {}
    assert source.body == "\n---\ntitle: x\n---\n"


def test_later_dashes_and_yaml_code_blocks_stay_in_the_body():
    """Only the first closing line ends front matter; later `---` and fenced yaml are body text."""
    text = "---\ntitle: T\n---\nIntro\n\n---\n\n```yaml\n---\ntitle: code\n---\n```\n"
    source = parse_text("a.md", text)
    assert source.front_matter == {"title": "T"}
    assert source.body.startswith("Intro\n\n---\n")
    assert "title: code" in source.body


def test_dots_close_front_matter_and_empty_block_is_empty_mapping():
    """`...` closes front matter like `---`; `---\\n---` is an empty mapping."""
    assert split_front_matter("---\na: 1\n...\nbody") == ("---\n", "a: 1\n", "...\n", "body")
    source = parse_text("a.md", "---\n---\n# Body\n")
    assert source.front_matter == {} and source.has_front_matter and source.body == "# Body\n"


def test_unclosed_front_matter_is_an_error_with_line():
    """A front matter that never closes is refused, pointing at line 1."""
    with pytest.raises(SourceError) as info:
        parse_text("a.md", "---\ntitle: x\nno end\n")
    assert str(info.value) == "a.md:1:1: front matter starts on line 1 but has no closing '---' line"


def test_yaml_errors_point_at_file_lines():
    """Line numbers in errors count the opening `---` line."""
    with pytest.raises(SourceError) as info:
        parse_text("docs/a.md", "---\ntitle: x\ntitle: y\n---\n")
    assert str(info.value).startswith("docs/a.md:3:1: duplicate key 'title'")


@pytest.mark.parametrize(
    "data",
    [
        b"---\ntitle: T\n---\nbody\n",
        b"---\r\ntitle: T\r\n---\r\nbody\r\n",
        b"\xef\xbb\xbf---\ntitle: T\n---\nbody",
        b"\xef\xbb\xbf---\r\ntitle: T\r\n---\r\nbody\r\nmore",
        b"---\ntitle: T\r\n---\nmixed\r\nlines\n",
        b"no front matter\n",
        b"---\ntitle: T\n---",
        b"---   \ntitle: T\n---  \n\nbody\n\n\n",
        b"",
    ],
)
def test_round_trip_is_byte_identical(data):
    """Reading then writing gives back the same bytes (BOM, CRLF, mixed endings, final newline)."""
    assert round_trip(data) == data


def test_newline_styles_are_detected():
    """Uniform CRLF is stored as LF and remembered; mixed files are kept verbatim."""
    assert parse_text("a.md", "---\nt: 1\n---\nx\n").newline == LF
    crlf = parse_text("a.md", "---\r\nt: 1\r\n---\r\nx\r\n")
    assert crlf.newline == CRLF and crlf.body == "x\n" and crlf.front_matter_raw == "t: 1\n"
    mixed = parse_text("a.md", "---\nt: 1\n---\nx\r\ny\n")
    assert mixed.newline == MIXED and mixed.body == "x\r\ny\n"


def test_edited_body_gets_original_line_endings_and_final_newline():
    """An edited body (CRLF from a browser, no final newline) is written in the file's own style."""
    source = read_file("a.md", b"---\r\nt: 1\r\n---\r\nold\r\n")
    assert write_bytes(source.front_matter_raw, "new\r\ntext", source.source_format) == (
        b"---\r\nt: 1\r\n---\r\nnew\r\ntext\r\n"
    )


def test_binary_file_is_refused_with_position():
    """A NUL byte marks a binary file: refused, naming line and column."""
    with pytest.raises(SourceError) as info:
        read_file("img.md", b"---\ntitle: x\n---\nab\x00cd")
    assert str(info.value) == "img.md:4:3: binary file (NUL byte); only UTF-8 text is imported"


def test_latin1_bytes_are_refused_with_position():
    """Non-UTF-8 bytes are refused with line, column and the byte."""
    with pytest.raises(SourceError) as info:
        read_file("old.md", "---\ntitle: Caf\xe9\n---\n".encode("latin-1"))
    assert str(info.value).startswith("old.md:2:11: not UTF-8 (byte 0xe9)")


def test_oversized_file_is_refused():
    """Files over the size limit are refused with their size."""
    with pytest.raises(SourceError, match="over the .*-byte limit"):
        read_file("big.md", b"x" * (MAX_FILE_BYTES + 1))
