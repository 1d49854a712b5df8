"""Celery tasks for census jobs (with a broker); see census.jobs for the embedded default."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="census.dry_run")
def dry_run(pk: int) -> None:
    from liudong.census import actions

    actions.run_dry_run(pk)


@shared_task(name="census.commit")
def commit(pk: int) -> None:
    from liudong.census import actions

    actions.run_commit(pk)


@shared_task(name="census.purge_files")
def purge_files() -> None:
    from liudong.census import actions

    actions.purge_files()
