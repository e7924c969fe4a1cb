/*
 * The command-center dashboard's live parts (templates/dispatch/dashboard*.html).
 *
 * 1. The alert feed: an EventSource on the feed's data-stream-url, starting
 *    after data-after (the cursor the page was rendered at). Each `alert`
 *    event is prepended once (deduplicated by data-alert-id) and counted in
 *    #open-alerts-count. The browser reconnects by itself and sends
 *    Last-Event-ID, so the server resumes exactly after the last alert seen;
 *    where the browser gives up, a new feed opens after the last id seen.
 *    #alert-feed[data-connection] says "open" or "reconnecting".
 * 2. The wall display (data-refresh-seconds on #dashboard): the figures are
 *    fetched from data-summary-url every so often and written in place.
 *
 * Loaded as a static file (the Content-Security-Policy forbids inline
 * scripts); the page is complete without it.
 */
(function () {
  "use strict";

  var FEED_MAX_ITEMS = 100;
  var RECONNECT_MS = 2000;
  var SILENT_PINGS = 3; // pings missed before a feed counts as dead

  function startFeed(feed) {
    if (!window.EventSource || !feed.dataset.streamUrl) {
      return;
    }
    var empty = document.querySelector(".feed-empty");
    var lastId = feed.dataset.after || "";
    var source = null;
    var watchdog = null;
    var silenceLimitMs = 45000; // until the server says how often it pings

    // The browser reconnects an EventSource by itself and sends Last-Event-ID.
    // It gives up for good when a reconnection attempt is refused (the
    // network or the server is still down): then a new one is opened here,
    // after the last alert seen, and again until one holds. The server says
    // (`hello`) how often it pings; a feed silent for several pings sits on a
    // connection that died unnoticed, and is replaced the same way.
    function connect() {
      source = new EventSource(
        feed.dataset.streamUrl + "?after=" + encodeURIComponent(lastId)
      );
      source.addEventListener("open", function () {
        feed.dataset.connection = "open";
        alive();
      });
      source.addEventListener("hello", function (event) {
        try {
          silenceLimitMs = JSON.parse(event.data).ping * 1000 * SILENT_PINGS;
        } catch (error) {
          // keep the default
        }
        alive();
      });
      source.addEventListener("ping", alive);
      source.addEventListener("alert", function (event) {
        alive();
        if (event.lastEventId) {
          lastId = event.lastEventId;
        }
        show(event);
      });
      source.addEventListener("error", function () {
        feed.dataset.connection = "reconnecting";
        if (source.readyState === EventSource.CLOSED) {
          reconnectSoon();
        }
      });
    }

    function alive() {
      window.clearTimeout(watchdog);
      watchdog = window.setTimeout(reconnectSoon, silenceLimitMs);
    }

    function reconnectSoon() {
      window.clearTimeout(watchdog);
      source.close();
      feed.dataset.connection = "reconnecting";
      window.setTimeout(connect, RECONNECT_MS);
    }

    function show(event) {
      var alert;
      try {
        alert = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      var id = String(alert.id);
      if (feed.querySelector('li.alert-item[data-alert-id="' + id + '"]')) {
        return; // already shown: rendered with the page or pushed before
      }
      feed.insertBefore(alertItem(alert, feed.dataset.ticketUrl), feed.firstChild);
      while (feed.children.length > FEED_MAX_ITEMS) {
        feed.removeChild(feed.lastElementChild);
      }
      if (empty) {
        empty.hidden = true;
      }
      if (!alert.closed_at) {
        document.querySelectorAll("#open-alerts-count, [data-live-alerts]").forEach(bump);
      }
    }

    connect();
  }

  function alertItem(alert, ticketUrl) {
    var item = document.createElement("li");
    item.className = "alert-item new kind-" + alert.kind + (alert.closed_at ? " closed" : "");
    item.dataset.alertId = String(alert.id);

    item.appendChild(span("alert-kind", alert.kind_label));
    var ticket = alert.workorder || {};
    var link = document.createElement("a");
    link.className = "alert-ticket";
    link.href = (ticketUrl || "").replace("999999999", String(ticket.id));
    link.appendChild(span("alert-number", ticket.number || ""));
    link.appendChild(document.createTextNode(" "));
    link.appendChild(span("alert-title", ticket.title || ""));
    item.appendChild(link);
    item.appendChild(span("alert-unit", (alert.unit && alert.unit.name) || ""));

    var time = document.createElement("time");
    time.className = "alert-time";
    time.dateTime = alert.raised_at || "";
    time.textContent = shortTime(alert.raised_at);
    item.appendChild(time);
    return item;
  }

  function bump(element) {
    element.textContent = String((parseInt(element.textContent, 10) || 0) + 1);
  }

  function span(className, text) {
    var element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  // "2026-11-26T23:06:47.556+08:00" → "11-26 23:06": the server writes local
  // (Beijing) time; the wall display's own clock zone does not matter.
  function shortTime(iso) {
    var match = /^\d{4}-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
    return match ? match[1] + "-" + match[2] + " " + match[3] + ":" + match[4] : "";
  }

  function percent(rate) {
    return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%";
  }

  function startRefresh(root) {
    var seconds = parseInt(root.dataset.refreshSeconds, 10);
    if (!seconds || !window.fetch) {
      return;
    }
    window.setInterval(function () {
      fetch(root.dataset.summaryUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (!response.ok || type.indexOf("application/json") !== 0) {
            throw new Error("summary " + response.status);
          }
          return response.json();
        })
        .then(function (summary) {
          applySummary(root, summary);
        })
        .catch(function () {
          // Keep the figures shown; the next round tries again.
        });
    }, seconds * 1000);
  }

  function applySummary(root, summary) {
    var figures = summary.figures || {};
    root.querySelectorAll("[data-figure]").forEach(function (element) {
      var key = element.dataset.figure;
      if (key === "generated_at") {
        element.dateTime = summary.generated_at;
        element.textContent = (summary.generated_at || "").slice(11, 19);
      } else if (key.indexOf("rate") !== -1) {
        element.textContent = percent(figures[key]);
      } else if (key in figures) {
        element.textContent = String(figures[key]);
      }
    });
    var counter = document.getElementById("open-alerts-count");
    if (counter && summary.feed) {
      counter.textContent = String(summary.feed.open_count);
    }
    (summary.children || []).forEach(function (child) {
      var row = root.querySelector('tr[data-child-id="' + (child.id === null ? "" : child.id) + '"]');
      if (!row) {
        return;
      }
      row.querySelectorAll("[data-col]").forEach(function (cell) {
        var key = cell.dataset.col;
        cell.textContent = key.indexOf("rate") !== -1 ? percent(child[key]) : String(child[key]);
        if (key === "overdue") {
          cell.classList.toggle("alarm", child[key] > 0);
        }
      });
    });
    var legend = root.querySelector(".map-legend");
    var breaks = legend ? legend.dataset.breaks.split(",").map(Number) : [];
    Object.keys(summary.map || {}).forEach(function (id) {
      var overdue = summary.map[id];
      var bucket = breaks.filter(function (low) { return overdue >= low; }).length;
      root.querySelectorAll('[data-area-id="' + id + '"]').forEach(function (element) {
        var target = element.tagName.toLowerCase() === "li" ? element.querySelector("[data-area-count]") : element;
        if (!target) {
          return;
        }
        for (var n = 0; n <= breaks.length; n += 1) {
          target.classList.remove("b" + n);
        }
        target.classList.add("b" + bucket);
        if (target !== element) {
          target.textContent = String(overdue);
        }
      });
    });
  }

  var feed = document.getElementById("alert-feed");
  if (feed) {
    startFeed(feed);
  }
  var root = document.getElementById("dashboard");
  if (root) {
    startRefresh(root);
  }
})();
