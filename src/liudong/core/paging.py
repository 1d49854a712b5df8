"""One way to page a list: the page, its rows, and the filters to keep in the page links."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest

PAGE_SIZE = 50


def paginate(
    request: HttpRequest, rows: Any, per_page: int = PAGE_SIZE, *, param: str = "page"
) -> dict[str, Any]:
    """``param`` names the page's query parameter, for a page with several paged lists."""
    page = Paginator(rows, per_page).get_page(request.GET.get(param))
    query = request.GET.copy()
    query.pop(param, None)
    return {
        "page": page,
        "object_list": page.object_list,
        "querystring": query.urlencode(),
        "page_param": param,
    }
