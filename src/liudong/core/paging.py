"""One way to page a list: the page, its rows, and the filters to keep in the page links."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest

PAGE_SIZE = 50


def paginate(request: HttpRequest, rows: Any, per_page: int = PAGE_SIZE) -> dict[str, Any]:
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "object_list": page.object_list, "querystring": query.urlencode()}
