"""Every state change of saved siting plans: atomic, audited, raising domain errors."""

from __future__ import annotations

from liudong.siting.actions.plans import (
    PlanParams,
    convert_plan,
    delete_plan,
    owner_of,
    run_plan,
)

__all__ = ["PlanParams", "convert_plan", "delete_plan", "owner_of", "run_plan"]
