"""TeX math to MathML on the server (latex2mathml): readers need no script and no CDN.

Browsers draw MathML Core natively. What cannot be converted stays visible as its TeX source in a
code element, and the caller reports it.
"""

from __future__ import annotations

import html
from functools import lru_cache

from latex2mathml.converter import convert

# TeX longer than this is shown as source: conversion time grows with the input.
MAX_TEX_LENGTH = 5000


@lru_cache(maxsize=2048)
def tex_to_mathml(tex: str, *, display: bool) -> tuple[str, str | None]:
    """(markup, error): MathML for the TeX, or the TeX in a code element and why it was not converted."""
    fallback = f'<code class="language-math">{html.escape(tex)}</code>'
    if len(tex) > MAX_TEX_LENGTH:
        return fallback, f"longer than {MAX_TEX_LENGTH} characters"
    try:
        return convert(tex, display="block" if display else "inline"), None
    except Exception as error:  # noqa: BLE001 - latex2mathml raises many kinds on bad TeX
        return fallback, type(error).__name__
