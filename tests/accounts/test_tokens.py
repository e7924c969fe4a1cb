"""Terminal tokens and sign-in protection, through the HTTP API and the login page."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import DeviceToken, User

pytestmark = pytest.mark.django_db
TOKENS = "/api/v1/auth/tokens/"


@pytest.fixture
def user():
    return User.objects.create_user(
        username="liming", password="correct-horse-9", full_name="李明"
    )


def obtain(
    client, username="liming", password="correct-horse-9", device="华为终端-01", **extra
):
    body = {"username": username, "password": password, "device_name": device}
    return client.post(
        TOKENS, json.dumps(body), content_type="application/json", **extra
    )


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_a_device_signs_in_and_uses_its_token(client, user):
    response = obtain(client)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["device_name"] == "华为终端-01"
    raw = body["token"]
    stored = DeviceToken.objects.get()
    assert (
        stored.key_hash != raw and raw not in stored.key_hash
    )  # only the hash is kept
    me = client.get("/api/v1/me/", **bearer(raw))
    assert me.status_code == 200
    assert me.json()["username"] == "liming"
    listed = client.get(TOKENS, **bearer(raw)).json()
    assert [t["device_name"] for t in listed] == ["华为终端-01"]
    assert "token" not in listed[0]


def test_signing_in_again_on_the_same_device_replaces_its_token(client, user):
    first = obtain(client).json()["token"]
    second = obtain(client).json()["token"]
    assert client.get("/api/v1/me/", **bearer(first)).status_code == 401
    assert client.get("/api/v1/me/", **bearer(second)).status_code == 200
    other_device = obtain(client, device="备用终端").json()["token"]
    assert client.get("/api/v1/me/", **bearer(second)).status_code == 200
    assert client.get("/api/v1/me/", **bearer(other_device)).status_code == 200


def test_refresh_swaps_the_token(client, user):
    old = obtain(client).json()["token"]
    response = client.post(f"{TOKENS}refresh/", **bearer(old))
    assert response.status_code == 201
    new = response.json()["token"]
    assert client.get("/api/v1/me/", **bearer(old)).status_code == 401
    assert client.get("/api/v1/me/", **bearer(new)).status_code == 200


def test_an_expired_token_is_refused(client, user):
    raw = obtain(client).json()["token"]
    DeviceToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/v1/me/", **bearer(raw))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert client.post(f"{TOKENS}refresh/", **bearer(raw)).status_code == 401


def test_a_revoked_token_is_cut_off_at_once(client, user):
    raw = obtain(client).json()["token"]
    token_id = DeviceToken.objects.get().pk
    assert client.delete(f"{TOKENS}{token_id}/", **bearer(raw)).status_code == 204
    assert client.get("/api/v1/me/", **bearer(raw)).status_code == 401


def test_an_administrator_revokes_anyones_token_others_cannot(client, user):
    raw = obtain(client).json()["token"]
    token_id = DeviceToken.objects.get().pk
    stranger = User.objects.create_user(username="other", password="x-9-long-pass")
    client.force_login(stranger)
    assert client.delete(f"{TOKENS}{token_id}/").status_code == 404
    admin = User.objects.create_superuser(username="boss", password="x-9-long-pass")
    client.force_login(admin)
    assert client.delete(f"{TOKENS}{token_id}/").status_code == 204
    client.logout()
    assert client.get("/api/v1/me/", **bearer(raw)).status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer nonsense"])
def test_malformed_or_unknown_tokens_get_401(client, header):
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_wrong_password_then_lockout(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = obtain(client, password="wrong")
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_credentials"
    response = obtain(client, password="wrong")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked_out"
    assert "15" in body["message"]
    # Even the right password is refused while locked; nothing is issued.
    assert obtain(client).status_code == 429
    assert not DeviceToken.objects.exists()
    # Another address is not locked out by this one's failures.
    assert obtain(client, REMOTE_ADDR="10.9.9.9").status_code == 201


def test_the_token_endpoint_is_throttled(client, user, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/minute"})
    statuses = [obtain(client, device=f"d{i}").status_code for i in range(4)]
    assert statuses == [201, 201, 201, 429]


def test_browser_login_page_in_chinese_and_session_login(client, user):
    page = client.get("/accounts/login/")
    assert "登录" in page.content.decode()
    response = client.post(
        "/accounts/login/", {"username": "liming", "password": "correct-horse-9"}
    )
    assert response.status_code == 302
    assert client.get("/api/v1/me/").json()["username"] == "liming"
    assert client.get("/").content.decode().count("李明") >= 1


def test_browser_lockout_page(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            "/accounts/login/", {"username": "liming", "password": "nope"}
        )
    assert response.status_code == 429
    assert "登录" in response.content.decode()


def test_an_administrator_revokes_from_django_admin(client, user):
    raw = obtain(client).json()["token"]
    token = DeviceToken.objects.get()
    admin = User.objects.create_superuser(username="boss", password="x-9-long-pass")
    client.force_login(admin)
    page = client.get("/admin/accounts/devicetoken/")
    assert "华为终端-01" in page.content.decode()
    response = client.post(
        "/admin/accounts/devicetoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    client.logout()
    assert client.get("/api/v1/me/", **bearer(raw)).status_code == 401


def test_api_docs_are_served_without_a_cdn(client, user):
    client.force_login(user)
    html = client.get("/api/schema/swagger/").content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html
