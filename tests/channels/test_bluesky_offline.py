"""Bluesky without a network: record keys derived from the job (what makes a repeated call find its
post instead of writing a second one) and what connecting refuses before asking Bluesky."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from carecast.channels.connectors.bluesky import record_key
from carecast.channels.models import PublishJob


def test_record_keys_are_valid_tids_distinct_per_job_and_part():
    created = datetime(2026, 3, 1, 12, 0, 0, 500000, tzinfo=UTC)
    jobs = [PublishJob(pk=pk, created_at=created) for pk in (1, 2, 1_000_001, 31_999_999)]
    keys = {record_key(j, part) for j in jobs for part in range(3)}
    assert len(keys) == 12
    assert all(re.fullmatch(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}", k) for k in keys)
    assert record_key(jobs[0]) == record_key(PublishJob(pk=1, created_at=created))


def test_a_bluesky_server_must_be_https_and_a_handle_is_needed(people, brand):
    import pytest

    from carecast.channels.models import ChannelAccount
    from carecast.channels.services import channel_account_create
    from carecast.core.errors import ValidationError

    common = {"actor": people["admin"], "brand": brand, "network": "bluesky", "name": "x", "secret": "a"}
    with pytest.raises(ValidationError, match="https://"):
        channel_account_create(**common, endpoint="http://pds.example.org", handle="clinic.example.org")
    with pytest.raises(ValidationError, match="handle"):
        channel_account_create(**common, endpoint="https://pds.example.org")
    assert not ChannelAccount.objects.exists()
