"""The "json" format Quire registers writes exactly what Django's own JSON serializer writes."""

import datetime as dt
import decimal
import io
import uuid

import pytest
from django.core import serializers
from django.core.serializers.json import Serializer as DjangoSerializer

from pages.models import Page
from pages.store.json_serializer import Serializer as QuireSerializer


@pytest.fixture
def pages(db):
    parent = Page.objects.create(title="Über — “quotes” & <tags>", url_path="/a/", body_html="<p>é</p>")
    return [
        parent,
        Page.objects.create(
            title="Child\twith\nnewlines \\ and \u2028",
            url_path="/a/b/",
            parent=parent,
            date=dt.datetime(2024, 10, 27, 12, 30, 15, 123456, tzinfo=dt.UTC),
            front_matter={"n": 1.5, "list": [1, "two", None, True], "nested": {"k": "v"}, "emoji": "🙂"},
        ),
    ]


@pytest.mark.parametrize("options", [{}, {"indent": 2}, {"fields": ["title", "front_matter"]}])
def test_the_same_text_as_djangos_serializer(pages, options):
    ours = QuireSerializer().serialize(pages, **options)
    django_own = DjangoSerializer().serialize(pages, **options)
    assert ours == django_own
    assert "Über" in ours and "🙂" in ours  # not escaped to \\u sequences (ensure_ascii off)


def test_values_the_encoder_has_to_convert():
    """Dates, decimals and UUIDs go through Django's encoder the same way."""
    data = {"when": dt.date(2024, 1, 2), "amount": decimal.Decimal("1.10"), "id": uuid.UUID(int=7)}
    written = []
    for serializer in (QuireSerializer(), DjangoSerializer()):
        serializer.options, serializer.first, serializer.stream = {}, True, io.StringIO()
        serializer._init_options()
        serializer.get_dump_object = lambda obj: data
        serializer.end_object(None)
        written.append(serializer.stream.getvalue())
    assert written[0] == written[1]
    assert '"amount": "1.10"' in written[0]


def test_the_json_format_is_quires(pages):
    assert isinstance(serializers.get_serializer("json")(), QuireSerializer)
    restored = [item.object for item in serializers.deserialize("json", serializers.serialize("json", pages))]
    assert [page.title for page in restored] == [page.title for page in pages]
