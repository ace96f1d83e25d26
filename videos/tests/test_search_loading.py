"""A result page's rows are loaded as the ORM would load them, timestamps included."""

from __future__ import annotations

from datetime import UTC

import pytest

from videos.models import Video
from videos.selectors import video_search
from videos.tests.search_helpers import add_video

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_client")]


def _timestamps(obj) -> dict:
    return {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if field.get_internal_type() == "DateTimeField"
    }


def test_result_timestamps_are_the_orms_down_to_the_time_zone():
    pk = add_video("stamps00001", title="Sundial", said=[(2.0, "sundial")])
    Video.objects.filter(pk=pk).update(details_fetched_at="2024-05-17T10:11:12.345678+02:00")
    hit = video_search(q="sundial", use_cache=False).hits[0]
    orm = Video.objects.select_related("channel", "transcript").get(pk=pk)
    for loaded, expected in [
        (hit.video, orm),
        (hit.video.channel, orm.channel),
        (hit.video.transcript, orm.transcript),
    ]:
        stamps = _timestamps(loaded)
        assert stamps == _timestamps(expected)
        for name, value in stamps.items():
            assert value.tzinfo is UTC, (type(loaded).__name__, name)
    assert hit.video.details_fetched_at.isoformat() == "2024-05-17T08:11:12.345678+00:00"
