from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in: command-center staff, grid worker, cadre, admin.

    Chinese names are not split into first and last name, so ``full_name``
    carries the name as written (张三); ``first_name``/``last_name`` stay empty.
    """

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name or self.username

    def get_short_name(self):
        return self.full_name or self.username


class DeviceToken(models.Model):
    """A handheld terminal's credential: one per device, stored hashed.

    The raw token is shown once, when issued; only its SHA-256 is kept, so a
    leaked database does not leak working credentials. Revoking cuts the
    terminal off on its next request.
    """

    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="device_tokens",
    )
    device_name = models.CharField(_("device name"), max_length=100)
    key_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    prefix = models.CharField(
        _("token prefix"),
        max_length=8,
        help_text=_("The first characters of the token, to recognise it."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("device token")
        verbose_name_plural = _("device tokens")
        constraints = [
            # One live token per device of a user; reissuing revokes the old one.
            models.UniqueConstraint(
                fields=["user", "device_name"],
                condition=models.Q(revoked_at__isnull=True),
                name="devicetoken_one_live_per_device",
            ),
        ]

    def __str__(self):
        return f"{self.device_name} ({self.prefix}…)"


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key``.

    Terminals on flaky networks resend; a resend with the same key gets this
    answer again instead of doing the work twice. Keys belong to a user, so the
    table sits beside the user model; every app's API goes through it
    (``accounts.idempotency``).
    """

    class State(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        COMPLETED = "completed", _("Completed")

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            # The database decides which of two racing requests does the work.
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key"),
        ]
        indexes = [
            # Expiring old records.
            models.Index(fields=["started_at"], name="idempotency_started"),
        ]

    def __str__(self):
        return f"{self.user_id}:{self.key}"
