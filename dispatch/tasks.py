"""Celery tasks of the command center: each calls one function."""

from celery import shared_task

from . import sweep


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
