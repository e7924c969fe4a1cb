"""REST plumbing shared by every app's API: one error shape, strict input, paging.

Every error answers ``{"code": ..., "message": ..., "fields": {...}}``:
``code`` is stable for machines, ``message`` is translated for people, and
``fields`` names what was wrong with which input. Bodies over
``API_MAX_BODY_BYTES`` get 413 before they are parsed.
"""

import io

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from .errors import DomainError

_API_CODES = {
    exceptions.ParseError: "malformed_body",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ValidationError: "invalid",
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}}


def exception_handler(exc, context):
    """DRF's exception handler: every error in the one shape."""
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields), exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("body_too_large", _("The request body is too large.")), 413
        )
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: let Django log it and answer 500
    code = next(
        (code for cls, code in _API_CODES.items() if isinstance(exc, cls)), "error"
    )
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_errors(exc.detail)
        message = _("The input is not valid; see the fields for what is wrong.")
        if isinstance(exc.detail, list):
            message = " ".join(str(item) for item in exc.detail)
        return Response(error_body(code, message, fields), exc.status_code)
    return Response(error_body(code, exc.detail), exc.status_code, headers=headers)


def _field_errors(detail):
    if isinstance(detail, dict):
        return {
            key: _field_errors(value) if isinstance(value, dict) else value
            for key, value in detail.items()
        }
    return {"non_field_errors": detail} if isinstance(detail, list) else {}


class LimitedJSONParser(parsers.JSONParser):
    """JSON, refused with 413 past ``API_MAX_BODY_BYTES``, before parsing."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = parser_context["request"]
        length = request.META.get("CONTENT_LENGTH") or 0
        try:
            too_big = int(length) > limit
        except ValueError:
            too_big = False
        if too_big:
            raise RequestDataTooBig()
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise RequestDataTooBig()
        if not body:
            raise exceptions.ParseError(_("The request body is empty."))
        return super().parse(io.BytesIO(body), media_type, parser_context)


class StrictSerializer(serializers.Serializer):
    """Refuses unknown or read-only fields instead of silently dropping them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {
                name for name, field in self.fields.items() if not field.read_only
            }
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown or read-only field.")] for name in unknown}
                )
        return super().to_internal_value(data)


class IdCursorPagination(CursorPagination):
    """Stable pages for terminals: newest first, by id, 50 a page (max 200)."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
