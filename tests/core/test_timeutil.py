from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest
import time_machine

from carecast.core.errors import ValidationError
from carecast.core.timeutil import parse_local_datetime, require_future

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def test_local_time_is_stored_in_utc():
    assert parse_local_datetime("2027-01-15 09:30", CHICAGO) == datetime(2027, 1, 15, 15, 30, tzinfo=UTC)
    assert parse_local_datetime("2027-07-15T09:30", CHICAGO) == datetime(2027, 7, 15, 14, 30, tzinfo=UTC)


def test_a_time_skipped_by_daylight_saving_is_refused():
    with pytest.raises(ValidationError, match="does not exist in America/Chicago"):
        parse_local_datetime("2027-03-14 02:30", CHICAGO)


def test_a_time_that_happens_twice_is_refused():
    with pytest.raises(ValidationError, match="happens twice"):
        parse_local_datetime("2027-11-07 01:30", CHICAGO)


@pytest.mark.parametrize("text", ["tomorrow", "2027-02-30 10:00", "2027-01-15", "10:00", ""])
def test_malformed_times_are_refused(text):
    with pytest.raises(ValidationError, match="not a date and time"):
        parse_local_datetime(text, CHICAGO)


@time_machine.travel(datetime(2027, 1, 15, 16, 0, tzinfo=UTC), tick=False)
def test_past_times_are_refused():
    with pytest.raises(ValidationError, match="in the past"):
        require_future(parse_local_datetime("2027-01-15 09:59", CHICAGO))
    require_future(parse_local_datetime("2027-01-15 10:01", CHICAGO))
