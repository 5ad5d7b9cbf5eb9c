"""Import a folder the way a bulk writer should: one transaction, one content-version bump at its end.

`import_pages` on this branch saves page by page, and each save bumps the content version, which on
PostgreSQL locks the SiteState row from the first save to the commit. The load test runs this too
(LOADTEST_IMPORT=batched) to show the difference.
"""

import sys
from pathlib import Path

import django


def main(root: Path) -> None:
    django.setup()
    from django.db import transaction

    from pages.caching import batched_invalidation
    from pages.importing import import_directory

    with transaction.atomic(), batched_invalidation():
        result = import_directory(root)
    print(result.summary())
    sys.exit(1 if result.errors else 0)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
