"""Every role × every endpoint × (own subtree, sibling subtree, parent unit).

The expected answer is computed from the permission table (grids.permissions)
and the views' own ``required_perms``, so a new endpoint without a declaration
fails ``test_every_api_endpoint_declares_what_it_needs``, and a change to the
table changes what this test expects.
"""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from grids.models import Role
from grids.permissions import ROLE_PERMISSIONS, Perm

pytestmark = pytest.mark.django_db

# Endpoints that are not about the territory: open to the user themself only.
SELF_SERVICE = {"v1:token-list", "v1:token-refresh", "v1:token-detail", "v1:me"}
# Machines that authenticate by signature, not by a post.
SIGNED = {"v1:hotline-intake"}


def api_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from api_patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and prefix.startswith("api/v1/"):
            yield f"{namespace}:{entry.name}", entry


def test_every_api_endpoint_declares_what_it_needs():
    undeclared = []
    names = {name for name, _ in api_patterns()}
    assert {"v1:household-list", "v1:unit-detail", "v1:me"} <= names
    for name, pattern in api_patterns():
        view = getattr(pattern.callback, "cls", None)
        if name in SELF_SERVICE | SIGNED:
            continue
        perms = getattr(view, "required_perms", None)
        actions = getattr(pattern.callback, "actions", {}) or {}
        handlers = [
            m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)
        ]
        methods = [m.upper() for m in actions or handlers]
        if not perms or any(m not in perms for m in methods):
            undeclared.append(name)
    assert undeclared == []


REGISTRY = {
    "household": {
        "create": {"code": "MX", "address": "某路9号"},
        "patch": {"address": "改址1号"},
    },
    "resident": {
        "create": {"name": "新居民", "gender": "male"},
        "patch": {"name": "改名"},
    },
    "place": {
        "create": {
            "code": "PX",
            "name": "新店",
            "category": "small_shop",
            "address": "某路",
        },
        "patch": {"name": "改名店"},
    },
}
TARGETS = {"own": "M1", "sibling": "M1b", "parent": "V1"}


def expected_status(role, perm, target, success):
    allowed = perm in ROLE_PERMISSIONS[role]
    if perm in (Perm.VIEW_UNITS, Perm.VIEW_REGISTRY):
        return success if target == "own" else 404
    if not allowed:
        return 403
    return success if target == "own" else 404


@pytest.fixture
def users(make_user, tree):
    return {role: make_user(role, tree["G1"]) for role in Role}


@pytest.mark.parametrize("role", list(Role))
def test_units_endpoints(client, users, tree, role):
    client.force_login(users[role])
    units = {"own": tree["M1"], "sibling": tree["G1b"], "parent": tree["V1"]}
    for target, unit in units.items():
        for suffix in ("", "children/", "path/"):
            response = client.get(f"/api/v1/units/{unit.pk}/{suffix}")
            want = expected_status(role, Perm.VIEW_UNITS, target, 200)
            assert response.status_code == want, (role, target, suffix)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("kind", list(REGISTRY))
def test_registry_endpoints(client, users, tree, registry_rows, role, kind):
    client.force_login(users[role])
    for target, key in TARGETS.items():
        unit = tree[key]
        rows = registry_rows.get(key)
        # A row of the target's subtree; "parent" means the sibling grid's row
        # reached through the shared village.
        row = (rows or registry_rows["M1b"])[kind]
        want_read = 200 if target == "own" else 404
        assert client.get(f"/api/v1/{kind}s/{row.pk}/").status_code == want_read

        listed = client.get(f"/api/v1/{kind}s/", {"unit": unit.pk}).json()["results"]
        own_ids = {registry_rows["M1"][kind].pk}
        # Filtering by a unit outside the scope finds nothing, never a count.
        assert {r["id"] for r in listed} == (own_ids if target == "own" else set())

        response = client.patch(
            f"/api/v1/{kind}s/{row.pk}/",
            json.dumps(REGISTRY[kind]["patch"]),
            content_type="application/json",
        )
        want = expected_status(role, Perm.EDIT_REGISTRY, target, 200)
        assert response.status_code == want, (role, kind, target, response.json())

        body = dict(REGISTRY[kind]["create"])
        if kind == "resident":
            body["household"] = registry_rows["M1" if target == "own" else "M1b"][
                "household"
            ].pk
        else:
            body["unit"] = unit.pk
            body["code"] += target
        response = client.post(
            f"/api/v1/{kind}s/", json.dumps(body), content_type="application/json"
        )
        allowed = Perm.EDIT_REGISTRY in ROLE_PERMISSIONS[role]
        want = 403 if not allowed else (201 if target == "own" else 400)
        assert response.status_code == want, (role, kind, target, response.json())
