"""The periodic jobs Celery beat runs (times in Asia/Shanghai), read by settings.py. Each is
also a management command for cron (docs/operations.md, "Redis and workers")."""

from __future__ import annotations

from celery.schedules import crontab

CELERY_BEAT_SCHEDULE = {
    "purge-audit-monthly": {
        "task": "liudong.purge_audit",
        "schedule": crontab(day_of_month=1, hour=3, minute=0),
    },
    "scan-alerts-daily": {
        "task": "liudong.scan_alerts",
        "schedule": crontab(hour=2, minute=30),  # Asia/Shanghai, before the working day
    },
    "escalate-alerts-daily": {
        "task": "liudong.escalate_alerts",
        "schedule": crontab(hour=2, minute=45),  # after the alert scan
    },
    "escalate-service-requests-daily": {
        "task": "liudong.escalate_service_requests",
        "schedule": crontab(hour=7, minute=30),  # before the working day starts
    },
    "census-purge-files-daily": {
        "task": "census.purge_files",
        "schedule": crontab(hour=3, minute=30),
    },
    "remind-activities-daily": {
        "task": "liudong.remind_activities",
        "schedule": crontab(hour=18, minute=0),  # Asia/Shanghai: the evening before
    },
    "flag-dues-arrears-monthly": {
        "task": "cycle.flag_arrears",
        # the 5th: last month's dues recorded by then; a member is told of once per setting
        "schedule": crontab(day_of_month=5, hour=8, minute=0),
    },
    "snapshot-figures-daily": {
        "task": "liudong.snapshot_figures",
        "schedule": crontab(hour=23, minute=50),  # the day's figures, before midnight
    },
    "flush-task-outbox": {
        "task": "liudong.flush_task_outbox",
        "schedule": 60.0,  # seconds: the tasks kept while Redis was away go out within a minute
    },
}
