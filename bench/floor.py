"""The import floor, a fixed and simple reference: one process reads every markdown file, parses its
front matter with python-frontmatter and renders its body with Python-Markdown (extensions tables,
fenced_code, toc), writing nothing. Not Quire's own renderer, so the floor does not move when Quire's
engine does."""

import os
import sys
import time
from pathlib import Path

import frontmatter
import markdown

EXTENSIONS = ["tables", "fenced_code", "toc"]


def markdown_files(root: Path) -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(folder) / name for name in sorted(files) if name.endswith((".md", ".markdown")))
    return found


def main(root: Path) -> None:
    started = time.perf_counter()
    files = markdown_files(root)
    converter = markdown.Markdown(extensions=EXTENSIONS)
    for path in files:
        post = frontmatter.loads(path.read_text(encoding="utf-8"))
        converter.reset().convert(post.content)
    print(f"{len(files)} files in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
