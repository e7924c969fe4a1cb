"""The domain error every service raises; one API handler renders it.

``code`` is stable and machine-readable, ``message`` is translated for people,
``fields`` maps input fields to what was wrong with them. Apps above ``grids``
raise these too, so the error shape is the same everywhere.
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
