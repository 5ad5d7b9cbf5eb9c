"""The committed Pygments stylesheet for highlighted code, light and dark."""

from pathlib import Path

from django.core.management import call_command
from pygments.formatters import HtmlFormatter
from pygments.token import Keyword, String

from pages.content.code_styles import DARK_BY_CHOICE, DARK_BY_SYSTEM, stylesheet

COMMITTED = Path(__file__).resolve().parent.parent / "static" / "quire" / "pygments.css"


def test_stylesheet_has_light_dark_by_system_and_dark_by_choice_rules():
    """Light rules for .highlight, dark ones under prefers-color-scheme and under [data-theme=dark]."""
    css = stylesheet()
    keyword = HtmlFormatter().ttype2class[Keyword]
    assert f".highlight .{keyword} " in css
    media = css.index("@media (prefers-color-scheme: dark)")
    assert css.index(f"{DARK_BY_SYSTEM} .{keyword} ") > media
    assert f"{DARK_BY_CHOICE} .{keyword} " in css


def test_stylesheet_has_no_unscoped_rules():
    """Every rule is scoped to highlighted code (no global `pre` or line-number rules)."""
    rules = [line.strip() for line in stylesheet().splitlines() if "{" in line and not line.startswith("@")]
    assert rules and all(rule.startswith((".highlight", DARK_BY_SYSTEM, DARK_BY_CHOICE)) for rule in rules)


def test_committed_stylesheet_colours_every_token_class():
    """The committed static/quire/pygments.css covers the token classes rendered code uses."""
    css = COMMITTED.read_text(encoding="utf-8")
    classes = HtmlFormatter().ttype2class
    for token in (Keyword, String):
        assert f".highlight .{classes[token]} " in css
        assert f"{DARK_BY_CHOICE} .{classes[token]} " in css


def test_command_writes_the_stylesheet(tmp_path, capsys):
    """`code_stylesheet --output` writes exactly the generated stylesheet."""
    target = tmp_path / "p.css"
    call_command("code_stylesheet", output=str(target))
    assert target.read_text(encoding="utf-8") == stylesheet()
