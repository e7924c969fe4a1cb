"""The 12345 hotline platform's side door: signed pushes in, signed callbacks out.

The platform signs every push: ``X-Hotline-Timestamp`` (Unix seconds) and
``X-Hotline-Signature`` = hex HMAC-SHA256 of ``"<timestamp>." + body`` under the
shared secret ``HOTLINE_SECRET``. A push older (or newer) than
``HOTLINE_MAX_SKEW_SECONDS`` is refused, so a captured request cannot be
replayed later; a resend within the window is harmless, since intake is
idempotent on the hotline's ticket number.

Every status change of a hotline ticket is written to the ``HotlineCallback``
outbox with the change itself and delivered by ``callbacks_deliver`` (a
Celery task, and a beat sweep for anything a lost task left behind), signed
the same way, to ``HOTLINE_CALLBACK_URL``.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.request
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from jintan.errors import DomainError

logger = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-Hotline-Timestamp"
SIGNATURE_HEADER = "X-Hotline-Signature"


def signature_of(body: bytes, timestamp: str, secret: str) -> str:
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_verify(*, body: bytes, timestamp: str, signature: str) -> None:
    """Raise a 401 ``DomainError`` unless the push is signed and fresh."""
    secret = settings.HOTLINE_SECRET
    if not secret:
        raise DomainError(
            _("Hotline intake is not configured on this server."),
            code="hotline_not_configured",
            status=503,
        )
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        raise DomainError(
            _("Missing or malformed %(header)s.") % {"header": TIMESTAMP_HEADER},
            code="bad_signature",
            status=401,
        ) from None
    if abs(time.time() - sent_at) > settings.HOTLINE_MAX_SKEW_SECONDS:
        raise DomainError(
            _("The push is too old or from the future; it is refused as a replay."),
            code="stale_signature",
            status=401,
        )
    expected = signature_of(body, timestamp, secret)
    if not hmac.compare_digest(expected, (signature or "").lower()):
        raise DomainError(
            _("The signature does not match the body."),
            code="bad_signature",
            status=401,
        )


def callback_payload(workorder, event) -> dict:
    """What the 12345 platform is told about one change of its ticket."""
    return {
        "external_number": workorder.external_number,
        "number": workorder.number,
        "action": event.action,
        "status": event.to_status,
        "note": event.note,
        "at": event.created_at.isoformat(),
    }


# A claimed callback is someone's to send for this long; a worker that dies
# mid-run loses its claim and another sends it (limit × the 5 s timeout < this).
CLAIM_SECONDS = 600


def callbacks_deliver(*, limit: int = 100, now=None) -> dict[str, int]:
    """Send due callbacks, each ticket's in order; a failure waits and retries.

    Three short steps, so no transaction stays open while the platform is
    slow: claim due rows (``SKIP LOCKED``, then a lease by moving their next
    attempt ``CLAIM_SECONDS`` on), post them outside any transaction, record
    each outcome. A row waits while an older callback of its ticket is still
    pending and not due, so the platform hears one ticket's changes in order,
    across runs and workers alike. Delivery is at least once: a worker that
    dies after posting but before recording posts again after the lease.
    """
    from .models import HotlineCallback

    now = now or timezone.now()
    pending = HotlineCallback.objects.filter(state=HotlineCallback.State.PENDING)
    older_waiting = pending.filter(
        workorder=OuterRef("workorder"), id__lt=OuterRef("id"), next_attempt_at__gt=now
    )
    with transaction.atomic():
        claimed = list(
            pending.select_for_update(skip_locked=True)
            .filter(next_attempt_at__lte=now)
            .exclude(Exists(older_waiting))
            .order_by("id")[:limit]
        )
        HotlineCallback.objects.filter(pk__in=[c.pk for c in claimed]).update(
            next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS)
        )
    sent = failed = 0
    blocked = set()
    for callback in claimed:
        if callback.workorder_id in blocked:
            # Due again at once, but held back by its ticket's failed callback.
            callback.next_attempt_at = now
            callback.save(update_fields=["next_attempt_at"])
            continue
        error = _post(callback.payload)
        callback.attempts += 1
        if error is None:
            callback.state = HotlineCallback.State.SENT
            callback.sent_at = timezone.now()
            callback.last_error = ""
            sent += 1
        else:
            pause = min(30 * 2 ** (callback.attempts - 1), 3600)
            callback.next_attempt_at = now + timedelta(seconds=pause)
            callback.last_error = error[:300]
            blocked.add(callback.workorder_id)
            failed += 1
        callback.save(
            update_fields=[
                "state",
                "sent_at",
                "attempts",
                "next_attempt_at",
                "last_error",
            ]
        )
    return {"sent": sent, "failed": failed}


def _post(payload) -> str | None:
    """POST one signed callback; None on a 2xx answer, else what went wrong."""
    url = settings.HOTLINE_CALLBACK_URL
    if not url:
        return "HOTLINE_CALLBACK_URL is not set"
    body = json.dumps(payload, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature_of(body, timestamp, settings.HOTLINE_SECRET),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            if 200 <= response.status < 300:
                return None
            return f"HTTP {response.status}"
    except (OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"


def callbacks_retry_now(*, ids: list[int]) -> int:
    """Make pending callbacks due at once (an operator's nudge after an outage)."""
    from .models import HotlineCallback

    count = HotlineCallback.objects.filter(
        pk__in=ids, state=HotlineCallback.State.PENDING
    ).update(next_attempt_at=timezone.now())
    transaction.on_commit(deliver_soon)
    return count


def deliver_soon():
    """Queue a delivery run now; if the broker is down, the beat sweep sends later."""
    try:
        current_app.send_task("workorders.hotline_callbacks_deliver")
    except Exception:
        logger.warning("hotline callbacks not queued; the beat sweep will send them")
