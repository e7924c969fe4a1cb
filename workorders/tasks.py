"""Celery tasks of the work-order app: each calls one function and retries."""

from celery import shared_task

from . import hotline


@shared_task(name="workorders.hotline_callbacks_deliver", ignore_result=True)
def hotline_callbacks_deliver() -> dict[str, int]:
    """Send the hotline callbacks that are due (idempotent: rows are claimed)."""
    return hotline.callbacks_deliver()
