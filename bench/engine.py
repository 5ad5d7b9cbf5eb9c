"""Markdown engine speed: parse + render time per 1,000 pages of the real-world corpus.

Quire's whole render (Liquid pre-pass, markdown-it-py with kramdown's rules, highlighting, sanitising,
search sections) beside a fixed reference: python-frontmatter + Python-Markdown with `tables`,
`fenced_code` and `toc`, writing nothing. Best of three runs each, caches cleared before every run.
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
    from pages.markdown_engine import highlight_code
    from pages.math_markup import tex_to_mathml

    highlight_code.cache_clear()
    tex_to_mathml.cache_clear()


def _best_of_three(run) -> float:
    best = float("inf")
    for _ in range(3):
        _clear_caches()
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def main(root: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_project.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")  # a benchmark process, never a server
    django.setup()
    from pages.markdown_io import read_file
    from pages.rendering import RenderContext, render

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
    quire_s, reference_s = _best_of_three(quire), _best_of_three(reference)
    print(f"engine: {len(raw)} corpus pages")
    print(
        f"  Quire render (markdown-it-py + kramdown rules, all features): {quire_s * per_thousand:.2f} s / 1,000 pages"
    )
    print(
        f"  reference (python-frontmatter + Python-Markdown tables/fenced_code/toc): {reference_s * per_thousand:.2f} s / 1,000 pages"
    )
    print(f"  ratio Quire / reference: {quire_s / reference_s:.2f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)
