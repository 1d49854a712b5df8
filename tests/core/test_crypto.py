"""Personal data encryption: round trip, tamper detection, keyed index, masking, SM4."""

from __future__ import annotations

import pytest
from django.test import override_settings

from liudong.core import crypto


def test_round_trip_and_random_nonce() -> None:
    a = crypto.encrypt("13812345678", context="t.phone")
    b = crypto.encrypt("13812345678", context="t.phone")
    assert a != b and "13812345678" not in a
    assert crypto.decrypt(a, context="t.phone") == "13812345678"


def test_context_is_bound() -> None:
    token = crypto.encrypt("620802199001011234", context="member.id_number")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context="member.phone")


def test_tampering_is_detected() -> None:
    token = crypto.encrypt("hello", context="x")
    prefix, cipher, body = token.split(":", 2)
    forged = f"{prefix}:{cipher}:{body[:-4]}AAAA"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(forged, context="x")


def test_sm4_is_selectable_and_old_values_still_read() -> None:
    aes = crypto.encrypt("13800000000", context="x")
    with override_settings(LIUDONG_FIELD_CIPHER="sm4-gcm"):
        sm4 = crypto.encrypt("13800000000", context="x")
        assert sm4.split(":")[1] == "sm4-gcm"
        assert crypto.decrypt(sm4, context="x") == "13800000000"
        assert crypto.decrypt(aes, context="x") == "13800000000"


def test_blind_index_is_keyed_and_normalized() -> None:
    a = crypto.blind_index(" 62080219900101123x ", purpose="id")
    assert a == crypto.blind_index("62080219900101123X", purpose="id")
    assert a != crypto.blind_index("62080219900101123X", purpose="phone")
    with override_settings(LIUDONG_FIELD_KEY=crypto.base64.urlsafe_b64encode(b"k" * 32).decode()):
        crypto._derive.cache_clear()
        assert a != crypto.blind_index("62080219900101123X", purpose="id")
    crypto._derive.cache_clear()


def test_masks() -> None:
    assert crypto.mask_phone("13812345678") == "138****5678"
    assert crypto.mask_id_number("620802199001011234") == "620802********1234"
    assert crypto.mask_phone("") == ""
