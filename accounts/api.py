"""Terminal sign-in: obtain, refresh, list and revoke per-device tokens."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from jintan.api import StrictSerializer
from jintan.errors import DomainError

from .authentication import DeviceTokenAuthentication
from .models import DeviceToken
from .tokens import token_issue, token_refresh, token_revoke


class TokenObtainInput(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    device_name = serializers.CharField(max_length=100)


class DeviceTokenOutput(serializers.ModelSerializer):
    class Meta:
        model = DeviceToken
        fields = [
            "id",
            "device_name",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]


class IssuedTokenOutput(DeviceTokenOutput):
    token = serializers.SerializerMethodField()

    class Meta(DeviceTokenOutput.Meta):
        fields = ["token", *DeviceTokenOutput.Meta.fields]

    def get_token(self, obj) -> str:
        return self.context["raw"]


def _issued(token, raw, status_code):
    return Response(IssuedTokenOutput(token, context={"raw": raw}).data, status_code)


class TokenListView(APIView):
    """POST: sign a device in with username and password. GET: my devices."""

    throttle_scope = "auth"

    def get_permissions(self):
        return (
            [AllowAny()] if self.request.method == "POST" else super().get_permissions()
        )

    def get_throttles(self):
        if self.request.method != "POST":
            return []
        return [ScopedRateThrottle()]

    @extend_schema(request=TokenObtainInput, responses={201: IssuedTokenOutput})
    def post(self, request):
        data = TokenObtainInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            # A locked-out request is answered by the axes middleware instead.
            raise DomainError(
                _("Wrong username or password."),
                code="invalid_credentials",
                status=status.HTTP_401_UNAUTHORIZED,
            )
        token, raw = token_issue(
            user=user, device_name=data.validated_data["device_name"]
        )
        return _issued(token, raw, status.HTTP_201_CREATED)

    @extend_schema(responses={200: DeviceTokenOutput(many=True)})
    def get(self, request):
        tokens = request.user.device_tokens.order_by("-created_at")
        return Response(DeviceTokenOutput(tokens, many=True).data)


class TokenRefreshView(APIView):
    """Swap the token this request carries for a new one (before it expires)."""

    authentication_classes = [DeviceTokenAuthentication]
    throttle_scope = "auth"

    @extend_schema(request=None, responses={201: IssuedTokenOutput})
    def post(self, request):
        token, raw = token_refresh(token=request.auth)
        return _issued(token, raw, status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    """DELETE: revoke one of my tokens (a lost terminal is cut off at once)."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        token_revoke(actor=request.user, token_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
