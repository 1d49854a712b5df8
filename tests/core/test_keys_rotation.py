"""Key rotation on the demo (issue 16 item 7a): values carry their key id, both keys read
while `liudong rotate-field-key` runs, the blind indexes move to their own key through the
next columns without breaking their unique index, and a second rotation works."""

from __future__ import annotations

import io
import json
import shutil
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from liudong.config import new_field_key
from liudong.core import crypto, keyring


@pytest.fixture
def keys(settings: Any, tmp_path: Any) -> Any:
    """The demo's key becomes "k1" among older keys; the census files are copied aside (the
    rotation rewrites files, which no database rollback brings back)."""
    census = settings.MEDIA_ROOT / "census"
    if census.exists():
        shutil.copytree(census, tmp_path / "census")
    settings.MEDIA_ROOT = tmp_path
    keyring.forget()
    yield settings
    keyring.forget()


def _rotate(settings: Any, *, old: str, new_id: str, index: str, olds: str) -> None:
    settings.LIUDONG_OLD_FIELD_KEYS = olds
    settings.LIUDONG_FIELD_KEY = new_field_key()
    settings.LIUDONG_FIELD_KEY_ID = new_id
    settings.LIUDONG_OLD_INDEX_KEYS = old
    settings.LIUDONG_INDEX_KEY = index
    keyring.forget()


def _run(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("rotate_field_key", *args, "--grace", "0", "--batch", "50", stdout=out)
    text = out.getvalue()
    print(text)
    return json.loads(text.strip().splitlines()[-1])


def _stored(model: Any, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE {column} <> ''")
        return [r[0] for r in cursor.fetchall()]


def _lookups() -> dict[str, Any]:
    """What the blind indexes answer: member by ID number, sign-in by phone, the census's
    de-duplication of people (members and entries by index)."""
    from liudong.accounts.actions import _phone_for_login
    from liudong.accounts.phones import owner_of
    from liudong.census.importer import member_ids
    from liudong.census.models import CensusEntry
    from liudong.members.actions.members import find_by_id_number
    from liudong.members.models import Member

    found: dict[str, Any] = {}
    for member in Member.objects.exclude(phone="").order_by("pk")[:40]:
        hit = find_by_id_number(member.id_number)
        found[f"id:{member.pk}"] = hit.pk if hit else None
        owner = owner_of(_phone_for_login(member.phone)[1])
        found[f"phone:{member.pk}"] = owner.pk if owner is not None else None
        index = crypto.blind_index(member.id_number, purpose="id_number")
        found[f"census:{member.pk}"] = member_ids([index]).get(index)
        found[f"entries:{member.pk}"] = sorted(
            CensusEntry.objects.filter(id_number_index=index).values_list("pk", flat=True)
        )
    return found


def _duplicate_refused(member: Any) -> bool:
    """The unique index holds: a second row with the member's index is refused."""
    from liudong.members.models import Member

    clone = Member.objects.get(pk=member.pk)
    clone.pk = None
    clone.user = None
    try:
        with transaction.atomic():
            Member.objects.bulk_create([clone])
    except IntegrityError:
        return True
    return False


def test_rotation_on_the_demo(demo: Any, keys: Any, settings: Any, tmp_path: Any) -> None:
    # A private storage of its own: files other runs left under other keys are not ours.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    from liudong.accounts.models import User
    from liudong.census import files
    from liudong.census import keyring as census_keyring
    from liudong.census.models import CensusEntry
    from liudong.members.models import Member

    before = _lookups()
    assert sum(1 for v in before.values() if v) >= 100  # the demo's people are found
    assert {v[:5] for v in _stored(Member, "id_number")} == {"enc1:"}  # legacy values
    legacy = settings.LIUDONG_FIELD_KEY
    first = Member.objects.order_by("pk").first()
    plain = {m.pk: (m.id_number, m.phone) for m in Member.objects.all()}

    # 1. The new key is current, the demo's key reads as "k1"; a new index key.
    old_index = crypto.index_key_in_effect()
    stored_file, _size, _digest = files.write_encrypted(io.BytesIO(b"x" * 3_000_000))
    assert census_keyring.count_keys()[""] >= 1
    census_files = census_keyring.count_keys()
    index2 = new_field_key()
    _rotate(keys, old="", new_id="k2", index=index2, olds=f"k1:{legacy}")
    current_index = crypto.index_keys()[0]
    check = _run("--check")
    assert check["old_values"] >= len(plain) and check["index_in_effect"] != current_index.id
    # Both keys read: every legacy value, and a value written now under k2.
    assert {m.pk: (m.id_number, m.phone) for m in Member.objects.all()} == plain
    user = User.objects.filter(member__isnull=False).exclude(phone="").first()
    user.phone = user.phone  # written again, now under k2
    user.save()
    assert _stored(User, "phone")[0][:5] in {"enc1:", "enc2:"}
    assert any(v.startswith("enc2:k2:") for v in _stored(User, "phone"))
    assert _lookups() == before  # the indexes are still under the old key, and found

    # 2. Part of the job: the ledger re-encrypted (the accounts not yet), the next columns
    # filled. Mixed keys read; lookups unchanged; both unique indexes hold.
    reads: list[int] = []

    def read_between_batches(what: str, rows: int) -> None:
        # The service reading while the job runs: every value, half of them rewritten.
        assert {m.pk: (m.id_number, m.phone) for m in Member.objects.all()} == plain
        reads.append(rows)

    f = keyring.reencrypt(Member, [Member._meta.get_field("id_number")], 50, read_between_batches)
    assert f.changed == len(plain) and len(reads) >= 4
    assert {m.pk: (m.id_number, m.phone) for m in Member.objects.all()} == plain
    filled = keyring.fill(50)
    assert filled["members.Member.id_number_index"] == len(plain)
    assert filled["census.CensusEntry.id_number_index"] > 0
    assert _lookups() == before
    assert _duplicate_refused(first)
    clone = Member.objects.get(pk=first.pk)
    clone.pk, clone.user, clone.id_number_index = None, None, "x" * 64
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.bulk_create([clone])  # same next hash: refused too

    # 3. The swap: one transaction; afterwards the lookups use the new key and find the same.
    # A sign-in code sent before it can never match (its hash is keyed): it ends with it.
    from django.utils import timezone

    from liudong.accounts.models import PhoneCode

    code = PhoneCode.objects.create(
        phone_index="a" * 64,
        phone_masked="138****0000",
        code_hash="b" * 64,
        expires_at=timezone.now() + timezone.timedelta(minutes=5),
    )
    swapped = keyring.swap()
    code.refresh_from_db()
    assert code.expires_at <= timezone.now()
    assert swapped["members.Member.id_number_index"] == len(plain)
    assert crypto.index_key_in_effect().id == current_index.id
    assert _lookups() == before
    # A process that had not yet seen the swap writes a hash under the old key: the sweep
    # of the command puts it right.
    old_hash = crypto.blind_index_with(first.id_number, purpose="id_number", key=old_index)
    Member.objects.filter(pk=first.pk).update(id_number_index=old_hash, id_number_index_next="")

    # 4. The command finishes (resumes) the job; nothing is left under the old key.
    result = _run()
    assert result["index_key"] == current_index.id and result["indexes_fixed"] >= 1
    after = _run("--check")
    assert after["old_values"] == 0 and after["old_files"] == 0 and after["next_filled"] == 0
    for model, fields in keyring.encrypted_fields():
        for field in fields:
            assert all(v.startswith("enc2:k2:") for v in _stored(model, field.column))
    assert census_keyring.count_keys() == {"k2": sum(census_files.values())}
    assert b"".join(files.read_encrypted(stored_file)) == b"x" * 3_000_000
    assert _lookups() == before
    assert {m.pk: (m.id_number, m.phone) for m in Member.objects.all()} == plain
    assert Member.objects.values("id_number_index").distinct().count() == len(plain)
    assert _duplicate_refused(first)
    for member in Member.objects.all()[:20]:
        expected = crypto.blind_index_with(member.id_number, purpose="id_number", key=current_index)
        assert member.id_number_index == expected
    assert CensusEntry.objects.exclude(id_number_index_next="").count() == 0

    # 5. A second rotation: k3 current, k2 still reads, k1 gone; the index key changes again.
    k2 = settings.LIUDONG_FIELD_KEY
    _rotate(keys, old=index2, new_id="k3", index=new_field_key(), olds=f"k2:{k2}")
    assert _lookups() == before  # under the second key until the swap
    second = _run()
    assert second["values"] >= len(plain) and second["index_key"] == crypto.index_keys()[0].id
    assert _run("--check")["old_values"] == 0
    assert _lookups() == before
    assert all(v.startswith("enc2:k3:") for v in _stored(Member, "phone"))
    assert census_keyring.count_keys() == {"k3": sum(census_files.values())}
    # The old keys can go: everything reads with k3 alone.
    keys.LIUDONG_OLD_FIELD_KEYS = ""
    keys.LIUDONG_OLD_INDEX_KEYS = ""
    keyring.forget()
    assert {m.pk: (m.id_number, m.phone) for m in Member.objects.all()} == plain
    assert _lookups() == before
    assert b"".join(files.read_encrypted(stored_file)) == b"x" * 3_000_000


def test_staged_rows_of_the_old_index_key_are_checked_again(demo: Any, keys: Any) -> None:
    """A file checked before the swap is checked again at its commit (its staged rows carry
    the old key's indexes)."""
    from liudong.census.actions._common import StaleStaging, _same_index_key

    before = crypto.index_key_in_effect().id
    assert _same_index_key(before) and _same_index_key(None)
    _rotate(
        keys, old="", new_id="k2", index=new_field_key(), olds=f"k1:{settings.LIUDONG_FIELD_KEY}"
    )
    assert _same_index_key(before) and not _same_index_key(None)  # not swapped yet
    keyring.fill(200)
    keyring.swap()
    assert not _same_index_key(before)
    assert _same_index_key(crypto.index_keys()[0].id)
    assert issubclass(StaleStaging, Exception)


def test_the_command_is_spelled_with_hyphens(monkeypatch: Any) -> None:
    from django.core import management

    from liudong import cli

    seen: list[list[str]] = []
    monkeypatch.setattr(management, "execute_from_command_line", seen.append)
    cli.main(["rotate-field-key", "--check"])
    assert seen == [["liudong", "rotate_field_key", "--check"]]
