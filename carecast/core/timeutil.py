"""Local wall-clock times in an organisation's time zone, stored in UTC."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

from django.utils import timezone

from carecast.core.errors import ValidationError

_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


def parse_local_datetime(value: str, tz: zoneinfo.ZoneInfo, *, field: str = "publish_at") -> datetime:
    """Read 'YYYY-MM-DD HH:MM' as wall-clock time in `tz` and return it in UTC.

    Refuses text that is not a date and time, a time that does not exist in `tz` (skipped by a
    daylight-saving change) and one that happens twice (repeated when clocks go back), because
    guessing would publish an hour early or late.
    """
    naive = None
    for fmt in _FORMATS:
        try:
            naive = datetime.strptime(value.strip(), fmt)
            break
        except ValueError:
            continue
    if naive is None:
        raise ValidationError(f"{value!r} is not a date and time; use YYYY-MM-DD HH:MM.", field=field)
    return localize(naive, tz, field=field)


def localize(naive: datetime, tz: zoneinfo.ZoneInfo, *, field: str = "publish_at") -> datetime:
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    shown = naive.strftime("%Y-%m-%d %H:%M")
    if first.utcoffset() != second.utcoffset():
        # Round-tripping through UTC tells a gap (the time never happens) from a fold (it happens twice).
        if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
            raise ValidationError(
                f"{shown} does not exist in {tz.key}: clocks skip that hour for daylight saving. "
                "Choose another time.",
                field=field,
            )
        raise ValidationError(
            f"{shown} happens twice in {tz.key} as clocks go back; choose a time outside that hour.",
            field=field,
        )
    return first.astimezone(UTC)


def require_future(moment: datetime, *, field: str = "publish_at") -> None:
    if moment <= timezone.now():
        raise ValidationError("The publish time is in the past; choose a time from now on.", field=field)


def to_local_input(moment: datetime | None, tz: zoneinfo.ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M") if moment else ""
