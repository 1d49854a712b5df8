"""liudong: 流动党员管理服务平台 (mobile party member management and service platform)."""

# The Celery app loads with the project (Django's documented place), so ``shared_task``
# binds to it in every process; the project package sits above every app (decision 76).
from liudong.celery import app as celery_app

__all__ = ["celery_app"]
__version__ = "0.1.0"
