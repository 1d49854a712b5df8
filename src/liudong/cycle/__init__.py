"""The yearly cycle: party dues and the yearly appraisal input across both sides (issue 14)."""
