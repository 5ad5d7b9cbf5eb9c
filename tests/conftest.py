from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"
SEED_PAGE = SHARED / "seed" / "2024-10-27-first-page.md"
CORPUS = SHARED / "corpus"
SAMPLE_CONTENT = PROJECT_ROOT / "fixtures" / "content"


@pytest.fixture
def seed_dir(tmp_path):
    """A folder holding only the product's sample page (skipped when ../shared is absent)."""
    if not SEED_PAGE.exists():
        pytest.skip("../shared/seed is not present beside this checkout")
    target = tmp_path / "seed"
    target.mkdir()
    (target / SEED_PAGE.name).write_bytes(SEED_PAGE.read_bytes())
    return target
