"""Issuing, refreshing and revoking terminal tokens (services for DeviceToken).

Tokens are random 40-byte strings; the database keeps their SHA-256 only.
Every function runs in one transaction and locks what two requests could race
on (the user's live token for a device).
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jintan.errors import DomainError, NotFound

from .models import DeviceToken, User

# Writing last_used_at on every request would turn each read into a write.
LAST_USED_GRANULARITY = timedelta(minutes=5)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(*, user: User, device_name: str) -> tuple[DeviceToken, str]:
    """A new token for ``device_name``; the device's previous token is revoked.

    Returns the row and the raw token, which is never stored or shown again.
    """
    device_name = (device_name or "").strip()
    if not device_name or len(device_name) > 100:
        raise DomainError(
            _("Give the device a name of 1 to 100 characters."),
            code="invalid",
            fields={"device_name": [_("1 to 100 characters.")]},
        )
    raw = secrets.token_urlsafe(40)
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        DeviceToken.objects.filter(
            user=user, device_name=device_name, revoked_at__isnull=True
        ).update(revoked_at=now)
        token = DeviceToken.objects.create(
            user=user,
            device_name=device_name,
            key_hash=token_hash(raw),
            prefix=raw[:8],
            expires_at=now + settings.DEVICE_TOKEN_LIFETIME,
        )
    return token, raw


def token_refresh(*, token: DeviceToken) -> tuple[DeviceToken, str]:
    """Replace a live token with a new one for the same device."""
    with transaction.atomic():
        current = DeviceToken.objects.select_for_update().get(pk=token.pk)
        if current.revoked_at or current.expires_at <= timezone.now():
            raise DomainError(
                _("This token is no longer valid; sign in again."),
                code="token_invalid",
                status=401,
            )
        return token_issue(user=current.user, device_name=current.device_name)


def token_revoke(*, actor: User, token_id: int) -> DeviceToken:
    """Revoke a token of the actor's own (administrators: anyone's)."""
    tokens = DeviceToken.objects.all()
    if not actor.is_superuser:
        tokens = tokens.filter(user=actor)
    with transaction.atomic():
        token = tokens.select_for_update().filter(pk=token_id).first()
        if token is None:
            raise NotFound()
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(raw: str) -> DeviceToken | None:
    """The live token for ``raw``, or None; notes when it was last used."""
    try:
        # key_hash is unique: get() spares the ORDER BY that first() compiles.
        token = DeviceToken.objects.select_related("user").get(
            key_hash=token_hash(raw), revoked_at__isnull=True
        )
    except DeviceToken.DoesNotExist:
        return None
    now = timezone.now()
    if token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        DeviceToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
