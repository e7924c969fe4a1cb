"""The 12345 hotline platform's side door: signed pushes in.

The platform signs every push: ``X-Hotline-Timestamp`` (Unix seconds) and
``X-Hotline-Signature`` = hex HMAC-SHA256 of ``"<timestamp>." + body`` under the
shared secret ``HOTLINE_SECRET``. A push older (or newer) than
``HOTLINE_MAX_SKEW_SECONDS`` is refused, so a captured request cannot be
replayed later; a resend within the window is harmless, since intake is
idempotent on the hotline's ticket number.
"""

import hashlib
import hmac
import time

from django.conf import settings
from django.utils.translation import gettext as _

from jintan.errors import DomainError

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
