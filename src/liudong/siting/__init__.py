"""The station-siting planner: candidate host sites, an exact optimizer, saved plans (issue 15)."""
