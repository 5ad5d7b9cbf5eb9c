"""The import floor: parse front matter and render markdown of every file, one process, no database."""

import sys
import time
from pathlib import Path

import django


def main(root: Path) -> None:
    django.setup()
    from pages.importing import ImportReport, find_markdown_files
    from pages.markdown_io import read_file
    from pages.rendering import RenderContext, render

    started = time.perf_counter()
    files = find_markdown_files(root, ImportReport())
    for found in files:
        source = read_file(found.path, found.absolute.read_bytes())
        render(source.body, RenderContext(source_path=found.path))
    print(f"{len(files)} files in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
