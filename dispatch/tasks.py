"""Celery tasks of the command center: each calls one function."""

from celery import shared_task

from . import sweep
from .selectors.dashboard import dashboards_prepare


@shared_task(
    name="dispatch.alerts_sweep",
    ignore_result=True,
    time_limit=120,
    soft_time_limit=100,
)
def alerts_sweep() -> dict[str, int]:
    """Raise the alerts that are due (idempotent: the database decides what is new).

    Nothing is carried in the message: a run lost with its worker, redelivered
    or run twice reads the same deadlines from the tickets and writes nothing
    twice.
    """
    return sweep.alerts_sweep().as_dict()


@shared_task(
    name="dispatch.dashboards_prepare",
    ignore_result=True,
    time_limit=240,
    soft_time_limit=200,
)
def dashboards_prepare_task() -> int:
    """Keep the command centers' dashboards counted ahead (a cache, no writes)."""
    return dashboards_prepare()
