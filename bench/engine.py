"""Markdown engine speed: parse + render time per 1,000 pages of the real-world corpus.

Quire's whole render (Liquid pre-pass, markdown-it-py with kramdown's rules, highlighting, sanitising,
search sections) beside a fixed reference: python-frontmatter + Python-Markdown with `tables`,
`fenced_code` and `toc`, writing nothing. Best of three interleaved runs each, in CPU seconds, caches
cleared before every run.
"""

import os
import sys
import time
from pathlib import Path

import django
import frontmatter
import markdown

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def _clear_caches() -> None:
    from pages.content.markdown_engine import highlight_code
    from pages.content.math_markup import tex_to_mathml

    highlight_code.cache_clear()
    tex_to_mathml.cache_clear()


def _cpu_seconds(run) -> float:
    """CPU time of one run (robust against other processes on the machine), caches cleared first."""
    _clear_caches()
    started = time.process_time()
    run()
    return time.process_time() - started


def main(root: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_project.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")  # a benchmark process, never a server
    django.setup()
    from pages.content.markdown_io import read_file
    from pages.content.rendering import RenderContext, render

    files = sorted([*root.rglob("*.md"), *root.rglob("*.markdown")])
    raw = [(str(p.relative_to(root)), p.read_bytes()) for p in files]

    def quire() -> None:
        for path, data in raw:
            render(read_file(path, data).body, RenderContext(source_path=path))

    def reference() -> None:
        for _, data in raw:
            post = frontmatter.loads(data.decode("utf-8-sig"))
            markdown.markdown(post.content, extensions=["tables", "fenced_code", "toc"])

    per_thousand = 1000 / len(raw)
    quire_runs, reference_runs = [], []
    for _ in range(3):  # interleaved, best of three each
        quire_runs.append(_cpu_seconds(quire))
        reference_runs.append(_cpu_seconds(reference))
    quire_s, reference_s = min(quire_runs), min(reference_runs)
    print(f"engine: {len(raw)} corpus pages")
    quire_line = f"{quire_s * per_thousand:.2f} s / 1,000 pages"
    reference_line = f"{reference_s * per_thousand:.2f} s / 1,000 pages"
    print(f"  Quire render (markdown-it-py + kramdown rules, all features): {quire_line}")
    print(f"  reference (python-frontmatter + Python-Markdown tables/fenced_code/toc): {reference_line}")
    print(f"  ratio Quire / reference: {quire_s / reference_s:.2f}")


# Hostile shapes: each must render in time linear in its size (ratio ~2 when the size doubles).
PATHOLOGICAL = {
    "unclosed [": "[",
    "unclosed \\(": "\\( ",
    "$$ blocks": "$$ a\n\n",
    "markdown=1 divs": '<div markdown="1">\n',
    "attribute lists": "{: .a }\n",
    "alerts": "> [!NOTE]\n\n",
    "span attribute lists": "[a](b){: .c }",
    "deep lists": "- ",
}


def pathological() -> None:
    from pages.content.rendering import render

    print("engine: hostile input, CPU seconds at 100 KB and 200 KB (linear: ratio about 2)")
    for name, unit in PATHOLOGICAL.items():
        seconds = []
        for size in (100_000, 200_000):
            text = (unit * (size // len(unit) + 1))[:size]
            started = time.process_time()
            render(text)
            seconds.append(time.process_time() - started)
        ratio = seconds[1] / max(seconds[0], 1e-3)
        print(f"  {name:22s} {seconds[0]:6.2f} s {seconds[1]:6.2f} s  ratio {ratio:.1f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)
    pathological()
