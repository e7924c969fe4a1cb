"""``Idempotency-Key`` for every API POST (IETF httpapi idempotency-key draft).

- first request with a key: the work and the stored answer commit together;
- a retry after it completed: the first answer, replayed byte for byte;
- a retry while the first is still running: 409;
- the same key with a different request (method, path or body): 422;
- a first request that failed with 5xx stores nothing, so a retry runs again.

The record is claimed by an INSERT that a unique constraint arbitrates, so of
twenty simultaneous requests exactly one does the work. A claim left behind
by a crashed process (its work rolled back with it) is taken over after
``IDEMPOTENCY_STALE_AFTER``.
"""

import hashlib
from contextlib import nullcontext
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotencyRecord
from .tokens import token_authenticate

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _error(status, code, message):
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=status)


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if (
            request.method != "POST"
            or key is None
            or not request.path.startswith("/api/")
        ):
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH:
            return _error(
                400,
                "invalid_idempotency_key",
                _("The Idempotency-Key header must be 1 to 255 characters."),
            )
        user = _principal(request)
        if user is None:
            return self.get_response(request)  # the view answers 401
        try:
            body = request.body
        except Exception:  # too large: let the view give its own 413
            return self.get_response(request)
        fingerprint = hashlib.sha256(
            b"\n".join([request.method.encode(), request.path.encode(), body])
        ).hexdigest()
        record, answer = _claim(user, key, fingerprint)
        if answer is not None:
            return answer
        return self._run(request, record)

    def _run(self, request, record):
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code < 500 and not response.streaming:
                record.state = IdempotencyRecord.State.COMPLETED
                record.response_status = response.status_code
                record.response_content_type = response.get("Content-Type", "")
                record.response_body = response.content
                record.completed_at = timezone.now()
                record.save(
                    update_fields=[
                        "state",
                        "response_status",
                        "response_content_type",
                        "response_body",
                        "completed_at",
                    ]
                )
                return response
            transaction.set_rollback(True)
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return response


def _principal(request):
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        raw = auth.split(" ", 1)[1].strip()
        token = token_authenticate(raw)
        # DRF's authentication reuses this lookup instead of repeating it.
        request.device_token_checked = (raw, token)
        return token.user if token else None
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _claim(user, key, fingerprint):
    """The record this request may work under, or the answer to give instead."""
    now = timezone.now()
    # The INSERT commits on its own (autocommit), so the claim is visible to
    # a concurrent retry at once; a savepoint is needed only inside an outer
    # transaction (tests), where a lost race must not abort it.
    inside = connection.in_atomic_block
    try:
        with transaction.atomic() if inside else nullcontext():
            return (
                IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    fingerprint=fingerprint,
                    state=IdempotencyRecord.State.PROCESSING,
                    started_at=now,
                ),
                None,
            )
    except IntegrityError:
        pass
    with transaction.atomic():
        record = (
            IdempotencyRecord.objects.select_for_update()
            .filter(user=user, key=key)
            .first()
        )
        if record is None:  # expired between the insert and here: try again
            return _claim(user, key, fingerprint)
        if record.fingerprint != fingerprint:
            return None, _error(
                422,
                "idempotency_key_reused",
                _("This Idempotency-Key was used for a different request."),
            )
        if record.state == IdempotencyRecord.State.COMPLETED:
            replay = HttpResponse(
                bytes(record.response_body),
                status=record.response_status,
                content_type=record.response_content_type,
            )
            replay["Idempotent-Replayed"] = "true"
            return None, replay
        stale_after = timedelta(seconds=settings.IDEMPOTENCY_STALE_AFTER)
        if now - record.started_at < stale_after:
            return None, _error(
                409,
                "idempotency_in_progress",
                _("A request with this Idempotency-Key is still being processed."),
            )
        record.started_at = now
        record.save(update_fields=["started_at"])
        return record, None
