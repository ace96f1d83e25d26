"""The topic form refuses values a poll could only fail or misread, and keeps good ones."""

from __future__ import annotations

import pytest
from django.urls import reverse

from indexing.models import Topic

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Knots",
    "query": "sailing knots",
    "is_active": "on",
    "language": "en",
    "poll_interval_minutes": "60",
    "next_poll_at_0": "2026-01-01",
    "next_poll_at_1": "00:00:00",
}


def add(staff_client, **changes):
    return staff_client.post(reverse("admin:indexing_topic_add"), {**GOOD, **changes})


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"poll_interval_minutes": "0"}, "poll_interval_minutes", "greater than or equal to 1"),
        ({"poll_interval_minutes": "20000"}, "poll_interval_minutes", "less than or equal to"),
        ({"language": "english"}, "language", "A language code, such as en, pt or zh-Hans"),
        ({"language": "en_US"}, "language", "A language code"),
        ({"query": "   "}, "query", "This field is required."),
        ({"query": "\u200b --"}, "query", "Type the words to search YouTube for."),
    ],
)
def test_a_value_no_poll_could_use_is_refused_and_nothing_saved(
    staff_client, changes, field, message
):
    answer = add(staff_client, **changes)
    assert answer.status_code == 200
    errors = answer.context["adminform"].form.errors
    assert message in " ".join(errors[field]), errors
    assert not Topic.objects.exists()


@pytest.mark.parametrize("language", ["", "en", "pt", "zh-Hans", "fil"])
def test_good_values_are_kept(staff_client, language):
    assert add(staff_client, language=language).status_code == 302
    topic = Topic.objects.get()
    assert (topic.query, topic.language, topic.poll_interval_minutes) == (
        "sailing knots",
        language,
        60,
    )
