"""What Kopir counts for whoever operates it, exposed as Prometheus metrics
(`bot.runtime.health` serves them at /metrics beside /healthz).

One `Metrics` per Application, on a registry of its own: nothing is registered at import
time, and two bots in one process (tests) do not share counters.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Handling an update: a button answered at once is milliseconds; a form step that writes,
# tens; a page of a long list, more. Above 5 s a reader has given up.
HANDLING_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.updates = Counter(
            "kopir_updates", "Updates handled, by kind (message, callback_query, ...)",
            ["kind"], registry=registry)
        self.handling = Histogram(
            "kopir_update_handling_seconds", "Time from taking an update to finishing it",
            ["kind"], buckets=HANDLING_BUCKETS, registry=registry)
        self.sends = Counter(
            "kopir_sends", "Messages Telegram accepted, by lane (reply, bulk, paid)",
            ["lane"], registry=registry)
        self.flood_control = Counter(
            "kopir_flood_control", "Answers 429 (retry_after) from Telegram", registry=registry)
        self.blocked = Counter(
            "kopir_blocked_readers", "Readers found to have blocked the bot or deleted the account",
            registry=registry)
        self.replies_refused = Counter(
            "kopir_replies_refused", "Replies to readers given up after flood control",
            registry=registry)
        self.last_send = Gauge(
            "kopir_last_send_timestamp_seconds", "When Telegram last accepted a message (Unix)",
            registry=registry)
        self.webhook_refused = Counter(
            "kopir_webhook_refused", "Webhook requests refused, by reason (secret, malformed, "
            "too_large)", ["reason"], registry=registry)
        self.outbox = Gauge(
            "kopir_outbox_rows", "Outbox rows by status (read at each scrape)", ["status"],
            registry=registry)

        self.broadcasts = Gauge(
            "kopir_broadcast_rows", "Outbox rows of each broadcast going out or paused, by "
            "status (read at each scrape)", ["broadcast", "status"], registry=registry)

        # The same moment, for /healthz (None until the first send).
        self.last_send_at: float | None = None

    def sent(self, lane: str, at: float) -> None:
        self.sends.labels(lane=lane).inc()
        self.last_send.set(at)
        self.last_send_at = at
