"""Model fields for personal data: encrypted at rest, masked in the audit trail."""

from __future__ import annotations

from typing import Any

from django.db import models

from liudong.core import crypto


class EncryptedCharField(models.TextField):
    """Holds plaintext in Python and ciphertext in the database.

    Pair it with a ``CharField`` holding :func:`crypto.blind_index` of the value for exact
    lookups; the ciphertext itself cannot be searched.
    """

    audit_masked = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def _context(self) -> str:
        model = getattr(self, "model", None)
        label = model._meta.label_lower if model is not None else ""
        return f"{label}.{self.name}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str:
        if not value:
            return ""
        return crypto.decrypt(value, context=self._context())

    def to_python(self, value: Any) -> str:
        if value is None:
            return ""
        return str(value)

    def get_prep_value(self, value: Any) -> str:
        value = self.to_python(value)
        if not value:
            return ""
        return crypto.encrypt(value, context=self._context())
