"""One rule for YAML front matter (`front_matter.load`): the import and the admin's front-matter box
refuse the same YAML with the same words, each naming the line where the problem is."""

import pytest
from django.urls import reverse

from pages.models import Page
from tests.sync_helpers import run_import, write_site

pytestmark = pytest.mark.django_db

# YAML (as the admin's box holds it, after `title: T` in a file) → (its line in the box, the refusal)
BAD_YAML = {
    "a: 1\na: 2\n": (2, "duplicate key 'a' (first defined on line {first})"),
    "x: !!python/name:os.system\n": (1, "YAML tag !!python/name:os.system is not allowed in front matter"),
    "a: .inf\n": (1, ".inf is not a finite number, which JSON (and so the database) cannot hold"),
    "a: 1.0e+999\n": (1, "1.0e+999 is not a finite number, which JSON (and so the database) cannot hold"),
    "a: 2016-13-45\n": (1, "2016-13-45 is not a real date (month must be in 1..12)"),
    "a:\n\tb: 1\n": (2, "invalid YAML: a tab character is not allowed in YAML indentation; use spaces"),
    "bad: [1\n": (2, "invalid YAML: did not find expected ',' or ']'"),
    '"k\\x01": 1\n': (1, "key 'k\\x01' contains a line break or control character"),
    "? [a, b]\n: c\n": (1, "invalid YAML: found unhashable key"),
    "a: '\x07'\n": (1, "invalid YAML: character U+0007 is not allowed in YAML"),
}
CASES = sorted(BAD_YAML)


@pytest.mark.parametrize("yaml_text", CASES)
def test_import_and_admin_refuse_the_same_yaml_alike(admin_client, tmp_path, yaml_text):
    """The import says `file:line:column: <refusal>`, the admin's box `Line <line>: <refusal>. Nothing
    was saved.`: the same refusal, with the line counted in the text each one shows."""
    line, refusal = BAD_YAML[yaml_text]
    # In the file the YAML starts on line 3 (after `---` and `title: T`); in the box, on line 1.
    in_file, in_box = refusal.format(first=line + 1), refusal.format(first=line - 1)

    report = run_import(write_site(tmp_path, {"page.md": f"---\ntitle: T\n{yaml_text}---\nText.\n"}))
    assert len(report.errors) == 1 and Page.objects.count() == 0
    located, message = str(report.errors[0]).split(": ", 1)
    assert located.startswith(f"page.md:{line + 2}:")
    assert message.startswith(in_file)

    data = {
        "title": "T", "url_path": "/t/", "parent": "", "nav_order": "", "date_0": "", "date_1": "",
        "status": "draft", "base_version": "", "body": "Body", "description": "",
        "extra_front_matter": yaml_text,
    }  # fmt: skip
    response = admin_client.post(reverse("admin:pages_page_add"), data)
    assert response.status_code == 200 and not Page.objects.exists()
    [error] = response.context["adminform"].form.errors["extra_front_matter"]
    assert error.startswith(f"Line {line}: {in_box}") and error.endswith(". Nothing was saved.")
    assert message.removeprefix(in_file) == error.removeprefix(f"Line {line}: {in_box}").removesuffix(
        ". Nothing was saved."
    )
