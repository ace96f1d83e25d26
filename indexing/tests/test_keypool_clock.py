"""next_pacific_midnight(): Google's quota reset, including the two DST days of a year."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexing.youtube.keypool import next_pacific_midnight, pacific_day

LA = ZoneInfo("America/Los_Angeles")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_winter_midnight_is_eight_in_the_morning_utc():
    assert next_pacific_midnight(utc(2026, 11, 25, 13, 0)) == utc(2026, 11, 26, 8, 0)


def test_summer_midnight_is_seven_in_the_morning_utc():
    assert next_pacific_midnight(utc(2026, 7, 1, 12, 0)) == utc(2026, 7, 2, 7, 0)


def test_a_minute_before_midnight_resets_a_minute_later():
    assert next_pacific_midnight(utc(2026, 11, 26, 7, 59)) == utc(2026, 11, 26, 8, 0)


def test_exactly_at_midnight_the_next_reset_is_a_day_away():
    assert next_pacific_midnight(utc(2026, 11, 26, 8, 0)) == utc(2026, 11, 27, 8, 0)


def test_spring_forward_day_has_23_hours():
    # 2026-03-08: 02:00 PST jumps to 03:00 PDT.
    start = next_pacific_midnight(utc(2026, 3, 7, 20, 0))
    assert start == utc(2026, 3, 8, 8, 0)
    end = next_pacific_midnight(utc(2026, 3, 8, 10, 30))  # 03:30 PDT
    assert end == utc(2026, 3, 9, 7, 0)
    assert end - start == timedelta(hours=23)


def test_fall_back_day_has_25_hours():
    # 2026-11-01: 02:00 PDT falls back to 01:00 PST; 01:30 happens twice.
    start = next_pacific_midnight(utc(2026, 10, 31, 20, 0))
    assert start == utc(2026, 11, 1, 7, 0)
    first_half_past_one = utc(2026, 11, 1, 8, 30)
    second_half_past_one = utc(2026, 11, 1, 9, 30)
    assert next_pacific_midnight(first_half_past_one) == utc(2026, 11, 2, 8, 0)
    assert next_pacific_midnight(second_half_past_one) == utc(2026, 11, 2, 8, 0)
    assert utc(2026, 11, 2, 8, 0) - start == timedelta(hours=25)


def test_other_timezones_give_the_same_instant():
    paris = datetime(2026, 11, 26, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))  # 07:00 UTC
    assert next_pacific_midnight(paris) == utc(2026, 11, 26, 8, 0)


def test_pacific_day_changes_at_pacific_midnight_not_utc():
    assert str(pacific_day(utc(2026, 11, 26, 7, 59))) == "2026-11-25"
    assert str(pacific_day(utc(2026, 11, 26, 8, 0))) == "2026-11-26"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        next_pacific_midnight(datetime(2026, 11, 25, 12, 0))


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    )
)
def test_the_reset_is_the_next_pacific_midnight(now):
    reset = next_pacific_midnight(now)
    local = reset.astimezone(LA)
    assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    assert timedelta(0) < reset - now <= timedelta(hours=25)
    assert pacific_day(reset) == pacific_day(now) + timedelta(days=1)
