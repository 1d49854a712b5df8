"""Ledger pages: lists, member pages and forms (urls_ledger), daily work (urls_work)."""

from liudong.members.urls_ledger import urlpatterns as ledger_patterns
from liudong.members.urls_transfers import urlpatterns as transfer_patterns
from liudong.members.urls_work import urlpatterns as work_patterns

app_name = "members"

urlpatterns = [*ledger_patterns, *work_patterns, *transfer_patterns]
