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


# --- key ids and the key ring (issue 16 item 7a, decision 189) -------------------------


def _key(seed: bytes) -> str:
    return crypto.base64.urlsafe_b64encode(seed * 32).decode()


def test_without_a_key_id_values_are_written_as_before() -> None:
    with override_settings(LIUDONG_FIELD_KEY=_key(b"a"), LIUDONG_FIELD_KEY_ID=""):
        token = crypto.encrypt("13800000000", context="x")
        assert token.startswith("enc1:aes-gcm:") and crypto.key_id_of(token) == ""
        assert crypto.is_current(token)


def test_values_carry_their_key_id_and_every_key_of_the_ring_reads() -> None:
    with override_settings(LIUDONG_FIELD_KEY=_key(b"a"), LIUDONG_FIELD_KEY_ID=""):
        legacy = crypto.encrypt("620802199001011234", context="m.id")
    with override_settings(LIUDONG_FIELD_KEY=_key(b"b"), LIUDONG_FIELD_KEY_ID="k2"):
        second = crypto.encrypt("13800000000", context="m.phone")
        assert second.startswith("enc2:k2:aes-gcm:") and crypto.key_id_of(second) == "k2"
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(legacy, context="m.id")  # the old key is not in the ring
    ring = {"LIUDONG_OLD_FIELD_KEYS": f"k2:{_key(b'b')}, k1:{_key(b'a')}"}
    with override_settings(LIUDONG_FIELD_KEY=_key(b"c"), LIUDONG_FIELD_KEY_ID="k3", **ring):
        assert crypto.decrypt(legacy, context="m.id") == "620802199001011234"
        assert crypto.decrypt(second, context="m.phone") == "13800000000"
        assert not crypto.is_current(second) and not crypto.is_current(legacy)
        third = crypto.encrypt("x", context="c")
        assert crypto.is_current(third) and crypto.key_id_of(third) == "k3"
        # A value naming a key that is not configured, and one whose id was forged.
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(third.replace("enc2:k3:", "enc2:k9:"), context="c")
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(third.replace("enc2:k3:", "enc2:k2:"), context="c")


def test_a_bad_ring_is_refused() -> None:
    from django.core.exceptions import ImproperlyConfigured

    for olds, key_id in (("k1", "k2"), ("k2:abc", "k2"), ("bad id:abc", "k2"), ("", "a:b")):
        with (
            override_settings(LIUDONG_FIELD_KEY_ID=key_id, LIUDONG_OLD_FIELD_KEYS=olds),
            pytest.raises(ImproperlyConfigured),
        ):
            crypto.encrypt("x")


def test_the_index_key_defaults_to_the_one_derived_before_key_ids() -> None:
    import hashlib
    import hmac

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    master = b"a" * 32
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"index:phone").derive(
        master
    )
    expected = hmac.new(derived, b"13800000000", hashlib.sha256).hexdigest()
    with override_settings(LIUDONG_FIELD_KEY=_key(b"a"), LIUDONG_FIELD_KEY_ID="k1"):
        assert len(crypto.index_keys()) == 1
        assert crypto.blind_index("13800000000", purpose="phone") == expected
    with override_settings(LIUDONG_FIELD_KEY=_key(b"a"), LIUDONG_INDEX_KEY=_key(b"i")):
        own = crypto.index_keys()
        assert len(own) == 1  # the field key's derived one is not a candidate unless named
        assert crypto.blind_index_with("13800000000", purpose="phone", key=own[0]) != expected
    olds = {"LIUDONG_OLD_INDEX_KEYS": "field:k1", "LIUDONG_FIELD_KEY_ID": "k1"}
    with override_settings(LIUDONG_FIELD_KEY=_key(b"a"), LIUDONG_INDEX_KEY=_key(b"i"), **olds):
        ids = [k.id for k in crypto.index_keys()]
        assert len(ids) == 2 and len(set(ids)) == 2
        derived_key = crypto.index_keys()[1]
        assert crypto.blind_index_with("13800000000", purpose="phone", key=derived_key) == (
            expected
        )
