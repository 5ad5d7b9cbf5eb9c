"""Just the Docs' custom callouts (`callouts:` in _config.yml) as a stylesheet. Pure.

Just the Docs lets a site name its own callouts (`{: .warning }` on a paragraph or a blockquote,
`{: .warning-title }` for a titled one) with a title and a colour from its palette. Quire serves the
same as CSS from its own origin (the strict CSP allows no inline styles): each name gets the callout
box in its colour (light and dark), and its title before a one-paragraph callout.
"""

from __future__ import annotations

# Just the Docs' palette: (the -000 shade, the -300 shade) of each colour a callout may name.
PALETTE = {
    "grey-dk": ("#959396", "#27262b"),
    "grey-lt": ("#f5f6fa", "#e6e1e8"),
    "purple": ("#7253ed", "#381885"),
    "blue": ("#2c84fa", "#183385"),
    "green": ("#41d693", "#026e57"),
    "yellow": ("#ffeb82", "#e7af06"),
    "red": ("#f77e7e", "#dd2e2e"),
}
DEFAULT_COLOR = "blue"


def _css_string(text: str) -> str:
    escaped = "".join(ch if ch.isalnum() or ch in " .,:;!?-_()'" else f"\\{ord(ch):x} " for ch in text)
    return f'"{escaped}"'


def callout_css(callouts: dict[str, dict]) -> str:
    """CSS for each custom callout; names are CSS identifiers already (`SiteRules.callouts`)."""
    rules: list[str] = []
    for name, settings in sorted(callouts.items()):
        light, dark = PALETTE.get(settings.get("color") or "", PALETTE[DEFAULT_COLOR])
        box = f".page-body :is(p.{name}, blockquote.{name}, div.{name}, .{name}-title)"
        rules.append(
            f"{box} {{ --callout: light-dark({dark}, {light}); "
            f"--callout-bg: color-mix(in srgb, {light} 14%, transparent); "
            "border-left: 4px solid var(--callout); background: var(--callout-bg); "
            "padding: 0.8rem 1rem; margin: 1rem 0; border-radius: 0.25rem; }"
        )
        title = settings.get("title") or name.replace("-", " ").capitalize()
        rules.append(
            f".page-body :is(p.{name}, blockquote.{name})::before {{ content: {_css_string(title)}; "
            "display: block; margin-bottom: 0.2rem; color: var(--callout); font-size: 0.78rem; "
            "font-weight: 750; letter-spacing: 0.06em; text-transform: uppercase; }"
        )
        rules.append(
            f".page-body .{name}-title > p:first-child {{ color: var(--callout); font-size: 0.78rem; "
            "font-weight: 750; letter-spacing: 0.06em; text-transform: uppercase; margin: 0 0 0.3rem; }"
        )
    return "\n".join(rules) + ("\n" if rules else "")
