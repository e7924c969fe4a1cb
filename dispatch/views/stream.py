"""The live alert feed: Server-Sent Events read from the alert table.

Why SSE with a resumable cursor and not Django Channels: alerts are rows
first (``dispatch.sweep`` commits them in id order under one lock), so the
table already is an ordered, durable log. Each event carries the alert id as
its SSE ``id``; a browser that lost its connection (network drop, server
restart, a web process replaced) reconnects by itself and sends
``Last-Event-ID``, and the feed resumes after it: every alert missed arrives,
in order, once. The same code serves the embedded default (runserver, SQLite,
no Redis) and production (several gunicorn processes, PostgreSQL), because
nothing is held in a process or a broker: each connection looks for rows
after its cursor every ``ALERT_STREAM_POLL_SECONDS`` (an index probe on the
primary key, scoped by the viewer's posts). Channels would add an ASGI server
and a channels-redis layer, and would still need this table to resume.

A connection lives ``ALERT_STREAM_MAX_SECONDS`` and then ends cleanly; the
browser reconnects with its cursor. That bounds the threads one dashboard
holds (gunicorn runs threaded workers for this) and lets a deploy drain.
"""

import json
import time

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from grids.selectors import posts_of

from ..api import AlertOutput
from ..selectors.alerts import alerts_after, alerts_last_id

RECONNECT_MS = 1000


@require_GET
def alert_stream(request):
    """``text/event-stream`` of alerts in the viewer's scope after a cursor.

    The cursor is ``Last-Event-ID`` (sent by the browser when it reconnects),
    else ``?after=<id>`` (the last alert the page was rendered with), else
    the newest alert now.
    """
    user = request.user
    if not user.is_authenticated or not (user.is_superuser or posts_of(user)):
        return HttpResponse(
            _("Log in with a post to follow alerts."),
            status=403,
            content_type="text/plain",
        )
    cursor = request.headers.get("Last-Event-ID") or request.GET.get("after")
    try:
        after = int(cursor) if cursor not in (None, "") else alerts_last_id(user)
    except ValueError:
        return HttpResponse(
            _("The cursor must be an alert id."), status=400, content_type="text/plain"
        )
    events = _events(user, after, translation.get_language())
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # no proxy buffering (nginx)
    return response


def _events(user, after: int, language: str):
    poll = settings.ALERT_STREAM_POLL_SECONDS
    ping = settings.ALERT_STREAM_PING_SECONDS
    ends = time.monotonic() + settings.ALERT_STREAM_MAX_SECONDS
    quiet_since = time.monotonic()
    # The page learns how often to expect a ping; a feed silent for several
    # of them sits on a connection that died without a word (a half-open TCP
    # connection on a flaky network), and the page replaces it.
    yield f'retry: {RECONNECT_MS}\nevent: hello\ndata: {{"ping": {ping}}}\n\n'
    # The database connection is given back when the response closes (Django's
    # request_finished), as for any request.
    while time.monotonic() < ends:
        with translation.override(language):
            alerts = alerts_after(user, after)
            for alert in alerts:
                yield _event(alert)
                after = alert.id
        if alerts:
            quiet_since = time.monotonic()
            continue
        if time.monotonic() - quiet_since >= ping:
            # Named, so the page can tell a quiet feed from a dead connection.
            yield "event: ping\ndata: \n\n"
            quiet_since = time.monotonic()
        time.sleep(poll)


def _event(alert) -> str:
    data = json.dumps(
        AlertOutput(alert).data, cls=DjangoJSONEncoder, ensure_ascii=False
    )
    return f"id: {alert.id}\nevent: alert\ndata: {data}\n\n"
