"""plan_interval(): topics never plan more searches a day than the keys can make."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from indexing.topics import plan_interval


def test_a_topic_keeps_its_own_interval_when_quota_is_plenty():
    interval = plan_interval(
        poll_interval_minutes=60, active_topics=3, active_keys=2, daily_search_calls=100
    )
    assert interval == timedelta(minutes=60)


def test_many_topics_are_spread_over_the_day():
    # 300 topics, 1 key of 100 calls: each topic once every 3 days at most.
    interval = plan_interval(
        poll_interval_minutes=60, active_topics=300, active_keys=1, daily_search_calls=100
    )
    assert interval == timedelta(minutes=3 * 24 * 60)


def test_no_key_means_a_day_between_polls():
    interval = plan_interval(
        poll_interval_minutes=30, active_topics=1, active_keys=0, daily_search_calls=100
    )
    assert interval == timedelta(days=1)


@given(
    own=st.integers(min_value=0, max_value=10_000),
    topics=st.integers(min_value=1, max_value=5_000),
    keys=st.integers(min_value=1, max_value=50),
    calls=st.integers(min_value=1, max_value=1_000),
)
def test_planned_searches_per_day_fit_the_budget(own, topics, keys, calls):
    interval = plan_interval(
        poll_interval_minutes=own, active_topics=topics, active_keys=keys, daily_search_calls=calls
    )
    polls_per_day = timedelta(days=1) / interval
    assert topics * polls_per_day <= keys * calls + 1e-9
    assert interval >= timedelta(minutes=max(own, 1))
