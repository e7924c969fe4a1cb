"""The platform's error contract: every service raises these, one handler renders.

``code`` is stable and machine-readable, ``message`` is translated for people,
``fields`` maps input fields to what was wrong with them. Every app raises
these, and ``jintan.api.exception_handler`` turns them (and DRF's own errors)
into one JSON shape, so a terminal parses every error the same way. It lives
in the project package because every app, ``accounts`` included, uses it.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    default_code = "invalid"
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, code=None, fields=None, status=None):
        self.message = str(message or self.default_message)
        self.code = code or self.default_code
        self.fields = fields or {}
        if status is not None:
            self.status = status
        super().__init__(self.message)


class NotFound(DomainError):
    status = 404
    default_code = "not_found"
    default_message = _("Not found.")


class Conflict(DomainError):
    status = 409
    default_code = "conflict"
    default_message = _("The object changed meanwhile; reload and try again.")
