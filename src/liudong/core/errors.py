"""Domain errors: a code, a translated message and the field concerned.

Pages show the message, the API returns ``{code, message, field}``, imports list it per
row. Raise them from actions; never let a domain rule surface as a 500.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class ScopeError(DomainError):
    """The target lies outside the actor's scope (shown as "not found")."""

    status = 404


class PermissionDenied(DomainError):
    status = 403
