"""Filled in by the ledger pages."""

urlpatterns: list = []
