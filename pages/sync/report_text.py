"""Report lines that are safe to print on an operator's terminal.

File names and front-matter values come from the imported folder, and any of them may hold terminal
escape sequences (ESC [ ...), other control characters or bidirectional overrides that would recolour,
rewrite or hide what the operator reads. Every line a management command prints goes through
`printable`, which shows such characters as Python escapes (`\\x1b`, `\\u202e`) instead.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the invisible or direction-changing format characters.
_UNPRINTABLE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_KEPT_IN_BLOCKS = {"\n", "\t"}


def _escaped(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, block: bool = False) -> str:
    """`text` with every control or invisible character written as an escape. With `block` (a diff,
    several lines), line breaks and tabs are kept; a single report line keeps none."""
    return _UNPRINTABLE_RE.sub(
        lambda match: (
            match.group() if block and match.group() in _KEPT_IN_BLOCKS else _escaped(match.group())
        ),
        str(text),
    )
