"""Personal data at rest: authenticated encryption plus a keyed hash for exact lookup.

AES-256-GCM by default; SM4-GCM (GB/T 32907) where a deployment needs commercial
cryptography (``LIUDONG_FIELD_CIPHER=sm4-gcm``). Each stored value names its cipher, so
a deployment can switch ciphers without losing old rows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "enc1"


class DecryptionError(ValueError):
    pass


def _master_key() -> bytes:
    return _decode_master_key(settings.LIUDONG_FIELD_KEY)


@lru_cache(maxsize=8)
def _decode_master_key(raw: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (ValueError, TypeError):
        key = b""
    if len(key) < 32:
        key = hashlib.sha256(raw.encode()).digest()
    return key


@lru_cache(maxsize=8)
def _derive(purpose: str, master: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose.encode()).derive(
        master
    )


@lru_cache(maxsize=8)
def _aes_gcm(key: bytes) -> AESGCM:
    return AESGCM(key)


def _sm4_gcm(key: bytes, nonce: bytes, data: bytes, aad: bytes, encrypt: bool) -> bytes:
    if encrypt:
        enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(aad)
        return enc.update(data) + enc.finalize() + enc.tag
    tag, body = data[-16:], data[:-16]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(aad)
    return dec.update(body) + dec.finalize()


def encrypt(plaintext: str, *, context: str = "") -> str:
    """Encrypt ``plaintext``; ``context`` (e.g. the field name) is bound as associated data."""
    cipher = getattr(settings, "LIUDONG_FIELD_CIPHER", "aes-gcm")
    nonce = os.urandom(12)
    aad = context.encode()
    if cipher == "sm4-gcm":
        body = _sm4_gcm(_derive("sm4", _master_key(), 16), nonce, plaintext.encode(), aad, True)
    else:
        cipher = "aes-gcm"
        body = _aes_gcm(_derive("aes", _master_key())).encrypt(nonce, plaintext.encode(), aad)
    token = base64.urlsafe_b64encode(nonce + body).decode()
    return f"{PREFIX}:{cipher}:{token}"


def decrypt(stored: str, *, context: str = "") -> str:
    try:
        prefix, cipher, token = stored.split(":", 2)
        raw = base64.urlsafe_b64decode(token)
    except (ValueError, TypeError) as exc:
        raise DecryptionError("not an encrypted value") from exc
    if prefix != PREFIX:
        raise DecryptionError("unknown format")
    nonce, body, aad = raw[:12], raw[12:], context.encode()
    try:
        if cipher == "sm4-gcm":
            data = _sm4_gcm(_derive("sm4", _master_key(), 16), nonce, body, aad, False)
        elif cipher == "aes-gcm":
            data = _aes_gcm(_derive("aes", _master_key())).decrypt(nonce, body, aad)
        else:
            raise DecryptionError("unknown cipher")
    except DecryptionError:
        raise
    except Exception as exc:  # InvalidTag and friends: wrong key or tampered value
        raise DecryptionError("value cannot be decrypted with this key") from exc
    return data.decode()


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash (HMAC-SHA256) for exact lookup and de-duplication without plaintext."""
    normalized = value.strip().upper()
    key = _derive("index:" + purpose, _master_key())
    return hmac.digest(key, normalized.encode(), "sha256").hex()


def mask_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(number: str) -> str:
    number = (number or "").strip()
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def file_key(purpose: str) -> bytes:
    """An AES-256 key for files at rest (uploads, staged rows), derived like the field keys."""
    return _derive("file:" + purpose, _master_key())
