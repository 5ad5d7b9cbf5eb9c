"""Three-way merges of a page's file text: the last synced text (base), the file's and the admin's.

The merge is git's own (`git merge-file`), line by line: edits on different lines are combined, edits
that overlap (or touch neighbouring lines, as git counts them) are a conflict. A conflict is shown in
diff3 style, so the reader sees what each side changed from the base:

    <<<<<<< file
    the line as the file has it
    ||||||| base (last sync)
    the line at the last sync
    =======
    the line as the admin has it
    >>>>>>> admin

Pure text in, text out; no ORM. Import, export and the admin's conflict screen all call `merge3`.
"""

from __future__ import annotations

import difflib
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

FILE_LABEL = "file"
BASE_LABEL = "base (last sync)"
ADMIN_LABEL = "admin"


class MergeUnavailable(RuntimeError):
    """git is missing or failed: the caller treats the page as a conflict (nothing is lost)."""


@dataclass(frozen=True)
class MergeResult:
    text: str  # the merged text; with conflicts, diff3-style markers around each clash
    conflicts: int  # how many clashing hunks (0: a clean merge)

    @property
    def clean(self) -> bool:
        return self.conflicts == 0


def merge3(base: str, file_text: str, admin_text: str) -> MergeResult:
    """Merge the file's and the admin's edits of `base`. Equal or one-sided edits need no git."""
    if file_text == admin_text or admin_text == base:
        return MergeResult(file_text, 0)
    if file_text == base:
        return MergeResult(admin_text, 0)
    with tempfile.TemporaryDirectory(prefix="quire-merge-") as folder:
        paths = []
        for name, text in (("file", file_text), ("base", base), ("admin", admin_text)):
            path = Path(folder) / name
            path.write_bytes(text.encode("utf-8"))
            paths.append(str(path))
        try:
            done = subprocess.run(
                ["git", "merge-file", "-p", "--diff3",
                 "-L", FILE_LABEL, "-L", BASE_LABEL, "-L", ADMIN_LABEL, *paths],
                capture_output=True, timeout=60, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise MergeUnavailable(f"git merge-file could not run: {exc}") from exc
    # Exit status: the number of conflicts (0 clean), negative (>= 128 as unsigned) on error.
    if done.returncode < 0 or done.returncode >= 128:
        raise MergeUnavailable(f"git merge-file failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return MergeResult(done.stdout.decode("utf-8"), done.returncode)


def has_conflict_markers(text: str) -> bool:
    """True when a line starts a conflict block (the admin refuses to save such text by accident)."""
    lines = text.splitlines()
    return any(line.startswith("<<<<<<< ") for line in lines) and any(
        line.startswith(">>>>>>> ") for line in lines
    )


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    """A unified diff of two texts, every line ending in a newline (empty when they are equal)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), old_name, new_name
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def similarity(a: str, b: str, at_least: float = 0.0) -> float:
    """How alike two texts are, 0..1, line by line (difflib's ratio); used to recognise renamed files.

    Below `at_least` the answer is only an upper bound (the cheap estimates stop early), which is all
    a caller comparing with a threshold needs.
    """
    if a == b:
        return 1.0
    matcher = difflib.SequenceMatcher(None, a.splitlines(), b.splitlines(), autojunk=False)
    for estimate in (matcher.real_quick_ratio, matcher.quick_ratio):
        bound = estimate()
        if bound < at_least:
            return bound
    return matcher.ratio()


def conflict_excerpt(merged: str, path: str, context: int = 3) -> str:
    """The conflict blocks of a diff3 merge with `context` lines around each, numbered by line."""
    lines = merged.splitlines()
    keep: set[int] = set()
    start = None
    for number, line in enumerate(lines):
        if line.startswith("<<<<<<< "):
            start = number
        elif line.startswith(">>>>>>> ") and start is not None:
            keep.update(range(max(0, start - context), min(len(lines), number + context + 1)))
            start = None
    if not keep:
        return merged if merged.endswith("\n") or not merged else merged + "\n"
    out = [f"--- {path}: conflict (diff3: {FILE_LABEL} / {BASE_LABEL} / {ADMIN_LABEL})\n"]
    previous = None
    for number in sorted(keep):
        if previous is not None and number != previous + 1:
            out.append("...\n")
        out.append(lines[number] + "\n")
        previous = number
    return "".join(out)
