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
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc1"  # a value under the legacy key: no key id (deployments before key ids)
PREFIX_KEYED = "enc2"  # enc2:<key id>:<cipher>:<token>
KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


class DecryptionError(ValueError):
    pass


@dataclass(frozen=True)
class Ring:
    """The field keys: the current one (writes, ``current_id`` "" = the legacy format
    without a key id) and older ones that still read (decision 189)."""

    current_id: str
    current: bytes
    keys: dict[str, bytes]  # key id -> master key, the current one included
    masters: tuple[bytes, ...]  # current first: the keys tried for a value without id


def ring() -> Ring:
    return _ring(
        settings.LIUDONG_FIELD_KEY,
        getattr(settings, "LIUDONG_FIELD_KEY_ID", "") or "",
        getattr(settings, "LIUDONG_OLD_FIELD_KEYS", "") or "",
    )


def _pairs(raw: str, setting: str) -> list[tuple[str, str]]:
    pairs = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        key_id, sep, key = item.partition(":")
        if not sep or not KEY_ID.match(key_id) or not key:
            raise ImproperlyConfigured(f"{setting}: write id:key pairs separated by commas.")
        pairs.append((key_id, key))
    return pairs


@lru_cache(maxsize=8)
def _ring(current: str, current_id: str, olds: str) -> Ring:
    if current_id and not KEY_ID.match(current_id):
        raise ImproperlyConfigured("LIUDONG_FIELD_KEY_ID: letters, digits, . _ - (1-32).")
    master = _decode_master_key(current)
    keys = {current_id: master}
    masters = [master]
    for key_id, raw in _pairs(olds, "LIUDONG_OLD_FIELD_KEYS"):
        if key_id in keys:
            raise ImproperlyConfigured(f"LIUDONG_OLD_FIELD_KEYS: key id {key_id} twice.")
        keys[key_id] = _decode_master_key(raw)
        masters.append(keys[key_id])
    return Ring(current_id, master, keys, tuple(masters))


def _master_key() -> bytes:
    return ring().current


@lru_cache(maxsize=16)
def _decode_master_key(raw: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (ValueError, TypeError):
        key = b""
    if len(key) < 32:
        key = hashlib.sha256(raw.encode()).digest()
    return key


@lru_cache(maxsize=64)
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
    """Encrypt ``plaintext`` under the current key; ``context`` (e.g. the field name) is
    bound as associated data. Written as ``enc2:<key id>:…`` once the key has an id."""
    cipher = getattr(settings, "LIUDONG_FIELD_CIPHER", "aes-gcm")
    keys = ring()
    nonce = os.urandom(12)
    aad = context.encode()
    if cipher == "sm4-gcm":
        body = _sm4_gcm(_derive("sm4", keys.current, 16), nonce, plaintext.encode(), aad, True)
    else:
        cipher = "aes-gcm"
        body = _aes_gcm(_derive("aes", keys.current)).encrypt(nonce, plaintext.encode(), aad)
    token = base64.urlsafe_b64encode(nonce + body).decode()
    if keys.current_id:
        return f"{PREFIX_KEYED}:{keys.current_id}:{cipher}:{token}"
    return f"{PREFIX}:{cipher}:{token}"


def key_id_of(stored: str) -> str | None:
    """The id of the key a stored value is under ("" for the legacy format), or None."""
    if stored.startswith(PREFIX_KEYED + ":"):
        return stored.split(":", 2)[1]
    if stored.startswith(PREFIX + ":"):
        return ""
    return None


def is_current(stored: str) -> bool:
    """Whether a stored value is written under the current key (no re-encryption due)."""
    return key_id_of(stored) == ring().current_id


def _open(master: bytes, cipher: str, nonce: bytes, body: bytes, aad: bytes) -> bytes:
    if cipher == "sm4-gcm":
        return _sm4_gcm(_derive("sm4", master, 16), nonce, body, aad, False)
    if cipher == "aes-gcm":
        return _aes_gcm(_derive("aes", master)).decrypt(nonce, body, aad)
    raise DecryptionError("unknown cipher")


def decrypt(stored: str, *, context: str = "") -> str:
    """Read a value under any key of the ring: ``enc2`` names its key, a legacy ``enc1``
    value is tried with the current key first, then the older ones."""
    try:
        prefix, rest = stored.split(":", 1)
        if prefix == PREFIX_KEYED:
            key_id, cipher, token = rest.split(":", 2)
        elif prefix == PREFIX:
            key_id, (cipher, token) = "", rest.split(":", 1)
        else:
            raise DecryptionError("unknown format")
        raw = base64.urlsafe_b64decode(token)
    except (ValueError, TypeError) as exc:
        if isinstance(exc, DecryptionError):
            raise
        raise DecryptionError("not an encrypted value") from exc
    keys = ring()
    if prefix == PREFIX_KEYED:
        if key_id not in keys.keys:
            raise DecryptionError("value under a key that is not configured")
        masters: tuple[bytes, ...] = (keys.keys[key_id],)
    else:
        masters = keys.masters
    nonce, body, aad = raw[:12], raw[12:], context.encode()
    for master in masters:
        try:
            return _open(master, cipher, nonce, body, aad).decode()
        except DecryptionError:
            raise
        except Exception:  # InvalidTag and friends: another key, or a tampered value
            continue
    raise DecryptionError("value cannot be decrypted with this key")


# --- blind indexes -------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexKey:
    """A key for the blind indexes; ``id`` is a fingerprint, never the key."""

    id: str
    master: bytes


def _index_key(master: bytes) -> IndexKey:
    return IndexKey(_derive("index-key-id", master)[:6].hex(), master)


def index_keys() -> tuple[IndexKey, ...]:
    """The current index key first (LIUDONG_INDEX_KEY, else derived from the field key as
    before key ids), then the ones the indexes may still be under while a rotation runs:
    LIUDONG_OLD_INDEX_KEYS (keys, or ``field:<key id>`` for an index key derived from that
    field key) and the ones derived from the older field keys (decision 190)."""
    keys = ring()
    return _index_keys(
        getattr(settings, "LIUDONG_INDEX_KEY", "") or "",
        getattr(settings, "LIUDONG_OLD_INDEX_KEYS", "") or "",
        keys.current,
        tuple(sorted((k, v) for k, v in keys.keys.items())),
    )


@lru_cache(maxsize=8)
def _index_keys(
    explicit: str, olds: str, current: bytes, field_keys: tuple[tuple[str, bytes], ...]
) -> tuple[IndexKey, ...]:
    by_id = dict(field_keys)
    masters = [_decode_master_key(explicit)] if explicit else [current]
    for raw in (part.strip() for part in olds.split(",")):
        if raw.startswith("field:"):
            if raw[6:] not in by_id:
                raise ImproperlyConfigured(f"LIUDONG_OLD_INDEX_KEYS: no field key {raw[6:]!r}.")
            masters.append(by_id[raw[6:]])
        elif raw:
            masters.append(_decode_master_key(raw))
    masters += [master for master in by_id.values() if master != current]
    found: dict[str, IndexKey] = {}
    for master in masters:
        key = _index_key(master)
        found.setdefault(key.id, key)
    return tuple(found.values())


def index_key_in_effect() -> IndexKey:
    """The key the stored blind indexes are under: the current one, except while a
    rotation is configured and its swap not yet made (asked of the data, see keyring)."""
    keys = index_keys()
    if len(keys) == 1:
        return keys[0]
    from liudong.core import keyring

    return keyring.index_key_in_effect(keys)


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash (HMAC-SHA256) for exact lookup and de-duplication without plaintext."""
    return blind_index_with(value, purpose=purpose, key=index_key_in_effect())


def blind_index_with(value: str, *, purpose: str, key: IndexKey) -> str:
    normalized = value.strip().upper()
    digest_key = _derive("index:" + purpose, key.master)
    return hmac.digest(digest_key, normalized.encode(), "sha256").hex()


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


def file_key(purpose: str, key_id: str | None = None) -> bytes:
    """An AES-256 key for files at rest (uploads, staged rows), derived like the field keys:
    from the current key, or from the ring's key ``key_id`` ("" the legacy one's ids)."""
    keys = ring()
    if key_id is None or key_id == keys.current_id:
        return _derive("file:" + purpose, keys.current)
    if key_id not in keys.keys:
        raise DecryptionError("file under a key that is not configured")
    return _derive("file:" + purpose, keys.keys[key_id])


def file_keys(purpose: str) -> list[bytes]:
    """Every key a legacy file (no key id) may be under, the current one first."""
    return [_derive("file:" + purpose, master) for master in ring().masters]
