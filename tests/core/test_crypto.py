from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from carecast.core import crypto


def test_round_trip_and_ciphertext_hides_the_secret():
    token = crypto.encrypt("app-password-1234")
    assert "app-password-1234" not in token
    assert crypto.decrypt(token) == "app-password-1234"


def test_rotation_keeps_old_values_readable_and_moves_them_to_the_new_key(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CARECAST_SECRET_KEYS = [old]
    token = crypto.encrypt("s3cret")
    settings.CARECAST_SECRET_KEYS = [new, old]
    assert crypto.decrypt(token) == "s3cret"
    rotated = crypto.rotate(token)
    settings.CARECAST_SECRET_KEYS = [new]
    assert crypto.decrypt(rotated) == "s3cret"
    with pytest.raises(ValueError, match="no longer configured"):
        crypto.decrypt(token)
