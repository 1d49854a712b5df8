"""Run an action from a page: show its message, or its refusal under the field or as a message.

Every server-rendered view that calls an action writes it the same way::

    with acting(request, success=_("Round opened."), form=form) as act:
        created = actions.open_round(by=request.user, **form.cleaned_data)
    if act.ok:
        return redirect("census:round", pk=created.pk)

The block runs the action. Without a refusal the success message is added (at ``level``);
a :class:`~liudong.core.errors.DomainError` raised in the block is caught and shown: under
its field when ``form`` has that field (renamed by ``fields``; a disabled field cannot be
corrected, so its refusal goes above the form), above the form when it has not, as an error
message when there is no form, or by ``show`` when the page shows refusals its own way. The
view keeps its flow in sight: what to render or where to redirect stays at the call site,
read from ``act.ok``. Anything else raised in the block goes through untouched.

A refusal about who asks rather than what they typed is shown like any other by default (a
button the user should not have pressed says why). ``denied_as_page=True`` turns an action's
:class:`~liudong.core.errors.PermissionDenied` into the 403 page and its
:class:`~liudong.core.errors.ScopeError` into the 404 page, as reading through the gate does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as PageDenied
from django.http import Http404, HttpRequest

from liudong.core.errors import DomainError, PermissionDenied, ScopeError


class Act:
    """The context manager :func:`acting` returns: did the action go through, and if not, why.

    ``success`` may be set inside the block when the message names what the action made.
    """

    def __init__(
        self,
        request: HttpRequest,
        *,
        success: str | None,
        form: Any,
        fields: Mapping[str, str | None] | None,
        level: int,
        show: Callable[[DomainError], None] | None,
        denied_as_page: bool,
    ) -> None:
        self.request = request
        self.success = success
        self.form = form
        self.fields = fields or {}
        self.level = level
        self.show = show
        self.denied_as_page = denied_as_page
        self.error: DomainError | None = None

    @property
    def ok(self) -> bool:
        """True unless the action was refused."""
        return self.error is None

    def __enter__(self) -> Act:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if exc is None:
            if self.success:
                messages.add_message(self.request, self.level, self.success)
            return False
        if not isinstance(exc, DomainError):
            return False
        if self.denied_as_page:
            if isinstance(exc, PermissionDenied):
                raise PageDenied(exc.message) from exc
            if isinstance(exc, ScopeError):
                raise Http404(exc.message) from exc
        self.error = exc
        if self.show is not None:
            self.show(exc)
        elif self.form is not None:
            show_on_form(self.form, exc, self.fields)
        else:
            messages.error(self.request, exc.message)
        return True


def acting(
    request: HttpRequest,
    *,
    success: str | None = None,
    form: Any = None,
    fields: Mapping[str, str | None] | None = None,
    level: int = messages.SUCCESS,
    show: Callable[[DomainError], None] | None = None,
    denied_as_page: bool = False,
) -> Act:
    """A block that runs an action for ``request``; see the module's text.

    ``success``: the message when the action goes through (none if empty). ``form``: where a
    refusal goes (else an error message). ``fields``: the action's field name → the form's
    (``None``: above the form). ``level``: the message level of ``success``. ``show``: shows
    a refusal instead of the form or the message. ``denied_as_page``: PermissionDenied is a
    403 page, ScopeError a 404 page.
    """
    return Act(
        request,
        success=success,
        form=form,
        fields=fields,
        level=level,
        show=show,
        denied_as_page=denied_as_page,
    )


def show_on_form(
    form: Any, exc: DomainError, fields: Mapping[str, str | None] | None = None
) -> None:
    """A refusal under its field (renamed by ``fields``), or above the form when the form has
    no such field or it is disabled (the user could not correct it there)."""
    field = (fields or {}).get(exc.field or "", exc.field)
    if field not in form.fields or form.fields[field].disabled:
        field = None
    form.add_error(field, exc.message)
