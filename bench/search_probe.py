"""Stand-in search timing while no /search/ view exists: a title-or-body LIKE query over published pages.

Prints one latency in milliseconds per line.
"""

import sys
import time

import django


def main(queries: list[str]) -> None:
    django.setup()
    from django.db.models import Q

    from pages.models import Page

    for q in queries:
        started = time.perf_counter()
        list(
            Page.objects.published()
            .filter(Q(title__icontains=q) | Q(body__icontains=q))
            .values_list("url_path", "title")[:20]
        )
        print(f"{(time.perf_counter() - started) * 1000:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
