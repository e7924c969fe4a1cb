"""What a locked-out client sees: JSON for the API, a Chinese page for browsers."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

LOCKOUT_STATUS = 429


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed sign-in attempts. This account is locked from your "
        "address for %(minutes)d minutes."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "locked_out", "message": message, "fields": {}},
            status=LOCKOUT_STATUS,
        )
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"message": message},
            status=LOCKOUT_STATUS,
        )
    response["Retry-After"] = str(minutes * 60)
    return response
