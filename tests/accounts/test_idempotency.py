"""Idempotency-Key on API POSTs: replay, 409 while running, 422 on reuse, races."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from accounts.models import IdempotencyRecord
from grids import registry
from grids.models import Household, Role

URL = "/api/v1/households/"


@pytest.fixture
def worker(make_user, tree):
    return make_user(Role.GRID_WORKER, tree["G1"])


def post(client, body, key):
    return client.post(
        URL, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )


def household(tree, code="K1"):
    return {"code": code, "address": "五叶村1组1号", "unit": tree["M1"].pk}


@pytest.mark.django_db
def test_a_retry_replays_the_first_answer(client, worker, tree):
    client.force_login(worker)
    first = post(client, household(tree), "key-1")
    again = post(client, household(tree), "key-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Household.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_for_another_request_is_refused(client, worker, tree):
    client.force_login(worker)
    post(client, household(tree), "key-1")
    response = post(client, household(tree, code="K2"), "key-1")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Household.objects.count() == 1


@pytest.mark.django_db
def test_a_key_still_being_processed_gets_409(client, worker, tree):
    client.force_login(worker)
    # As if another request had just claimed the key and is still working.
    first = post(client, household(tree), "key-1")
    IdempotencyRecord.objects.filter(key="key-1").update(
        state="processing", started_at=timezone.now()
    )
    response = post(client, household(tree), "key-1")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_in_progress"
    assert first.status_code == 201


@pytest.mark.django_db
def test_a_claim_left_by_a_dead_process_is_taken_over(client, worker, tree):
    IdempotencyRecord.objects.create(
        user=worker,
        key="key-1",
        fingerprint="x" * 64,
        state="processing",
        started_at=timezone.now() - timedelta(hours=1),
    )
    client.force_login(worker)
    # A different fingerprint is still a different request: 422 first...
    assert post(client, household(tree), "key-1").status_code == 422
    IdempotencyRecord.objects.all().delete()
    IdempotencyRecord.objects.create(
        user=worker,
        key="key-2",
        fingerprint=_fingerprint(household(tree)),
        state="processing",
        started_at=timezone.now() - timedelta(hours=1),
    )
    # ...the same request takes the stale claim over and does the work once.
    assert post(client, household(tree), "key-2").status_code == 201
    assert Household.objects.count() == 1


def _fingerprint(body):
    import hashlib

    raw = json.dumps(body).encode()
    return hashlib.sha256(b"\n".join([b"POST", URL.encode(), raw])).hexdigest()


@pytest.mark.django_db
def test_a_failed_first_attempt_stores_nothing(client, worker, tree, monkeypatch):
    client.force_login(worker)
    client.raise_request_exception = False
    real = registry.household_create

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(registry, "household_create", broken)
    assert post(client, household(tree), "key-1").status_code == 500
    assert not IdempotencyRecord.objects.exists()
    monkeypatch.setattr(registry, "household_create", real)
    assert post(client, household(tree), "key-1").status_code == 201
    assert Household.objects.count() == 1


@pytest.mark.django_db
def test_bad_keys_and_keyless_posts(client, worker, tree):
    client.force_login(worker)
    assert post(client, household(tree), "k" * 256).status_code == 400
    response = client.post(
        URL, json.dumps(household(tree)), content_type="application/json"
    )
    assert response.status_code == 201
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_retries_create_one_row(worker, tree):
    assert connection.vendor == "postgresql"
    barrier = threading.Barrier(20)
    answers = []

    def send():
        client = Client()
        client.force_login(worker)
        barrier.wait()
        response = post(client, household(tree), "race-key")
        answers.append((response.status_code, response.content))
        connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(answers) == 20
    assert Household.objects.filter(code="K1").count() == 1
    created = [content for status, content in answers if status == 201]
    assert created, answers
    assert all(content == created[0] for content in created)
    assert {status for status, _ in answers} <= {201, 409}
