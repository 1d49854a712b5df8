from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from liudong.core.navigation import menu_for


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "menu": menu_for(user, request.path) if user is not None else [],
        "site_name": "流动党员管理服务平台",
    }
