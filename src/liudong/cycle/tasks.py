"""The cycle's jobs (Celery; eager without a broker): thin, they call the actions."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="cycle.flag_arrears")
def flag_arrears() -> int:
    """Tell each home branch of its members owing three months or more (monthly)."""
    from liudong.core.scope import SYSTEM
    from liudong.cycle import actions

    return actions.flag_arrears(by=SYSTEM)
