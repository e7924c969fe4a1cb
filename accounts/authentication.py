"""DRF authentication for terminals: ``Authorization: Bearer <device token>``."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .tokens import token_authenticate


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Malformed Authorization header: expected 'Bearer <token>'.")
            )
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Malformed token.")) from exc
        checked = getattr(request._request, "device_token_checked", None)
        if checked is not None and checked[0] == raw:
            token = checked[1]  # already looked up for this request
        else:
            token = token_authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("The token is unknown, expired or revoked.")
            )
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
