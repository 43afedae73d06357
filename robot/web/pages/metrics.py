"""``/metrics``: the store's numbers in the Prometheus text format, behind a bearer token.

Not a session route: a Prometheus server sends ``Authorization: Bearer <token>``, where the token
is the value of the environment variable the configuration names (``web: {metrics_token_env:
NAME}``). No variable named, or the variable unset or empty: 403 saying so (the endpoint is off).
No or a wrong token: 401 (compared in constant time, :func:`hmac.compare_digest`).

Each request registers a :class:`StoreCollector` in a fresh ``CollectorRegistry`` and renders it
with the official client library, in the format it picks for the request's ``Accept`` (the text
format 0.0.4 by default, OpenMetrics when asked for). The collector reads the store then
(:func:`robot.web.reads.metrics.snapshot`), so nothing is kept in the process and several console
instances report the same numbers.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeHistogramMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from robot.codes import Reason
from robot.store.repo import Store
from robot.store.schema import InvoiceState, utcnow
from robot.web.deps import store_of, web_settings
from robot.web.reads import metrics as reads

router = APIRouter()

P = "fakturarobot_"
#: the duration histogram's bucket bounds, in seconds (the last is +Inf)
BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


class StoreCollector(Collector):
    """The families of one :class:`~robot.web.reads.metrics.Snapshot`, read when collected."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        snap = reads.snapshot(self.store, utcnow())
        runs = GaugeMetricFamily(
            P + "runs",
            "Runs recorded, by status (abandoned: still running without a heartbeat) and dry run.",
            labels=["status", "dry_run"],
        )
        for status in reads.RUN_STATUSES:
            for dry in (False, True):
                runs.add_metric([status, str(dry).lower()], snap.runs.get((status, dry), 0))
        for (status, dry), n in sorted(snap.runs.items()):
            if status not in reads.RUN_STATUSES:
                runs.add_metric([status, str(dry).lower()], n)
        yield runs
        invoices = GaugeMetricFamily(
            P + "invoices", "Invoices in the store, by state and verdict.", labels=["state", "verdict"]
        )
        for (state, verdict), n in sorted(snap.invoices.items()):
            invoices.add_metric([state, verdict], n)
        yield invoices
        by_state = GaugeMetricFamily(
            P + "invoices_by_state", "Invoices in the store, by state.", labels=["state"]
        )
        for state in InvoiceState:
            by_state.add_metric([state.value], sum(n for (s, _), n in snap.invoices.items() if s == state))
        yield by_state
        types = GaugeMetricFamily(
            P + "invoices_by_error_type",
            "Invoices carrying each error type (OPStatusReason code; an invoice may carry several).",
            labels=["error_type"],
        )
        codes = sorted({*(r.value for r in Reason if r != Reason.NON), *snap.error_types})
        for code in codes:
            types.add_metric([code], snap.error_types.get(code, 0))
        yield types
        yield GaugeMetricFamily(P + "hold_queue_size", "Invoices held for a person.", value=snap.held)
        yield GaugeMetricFamily(
            P + "hold_queue_overdue", "Held invoices past their due date (Copenhagen).", value=snap.overdue
        )
        notices = GaugeMetricFamily(P + "notices", "Notices in the outbox, by state.", labels=["state"])
        for state in sorted({*reads.NOTICE_STATES, *snap.notices}):
            notices.add_metric([state], snap.notices.get(state, 0))
        yield notices
        pending = snap.notices.get("pending", 0) + snap.notices.get("sending", 0)
        yield GaugeMetricFamily(
            P + "notices_pending", "Notices not sent yet (pending or sending).", value=pending
        )
        yield GaugeMetricFamily(
            P + "notices_refused",
            "Notices refused for good (to pass on by other means).",
            value=snap.notices.get("refused", 0),
        )
        yield from _runs_timing(snap)


def _runs_timing(snap: reads.Snapshot) -> Iterator[Metric]:
    age = snap.last_success_age
    if age is not None:  # absent, not 0, when no run has succeeded: alert on absent()
        yield GaugeMetricFamily(
            P + "last_success_age_seconds",
            "Seconds since the last run that finished ok or partial ended.",
            value=age,
        )
    if snap.last_run_duration is not None:
        yield GaugeMetricFamily(
            P + "last_run_duration_seconds",
            "How long the last finished run (not a dry run) took.",
            value=snap.last_run_duration,
        )
    durations = snap.recent_durations
    buckets = [(str(bound), float(sum(1 for d in durations if d <= bound))) for bound in BUCKETS]
    buckets.append(("+Inf", float(len(durations))))
    yield GaugeHistogramMetricFamily(
        P + "recent_run_duration_seconds",
        f"Durations of the last {reads.RECENT_RUNS} finished runs (a window, not a running total).",
        buckets=buckets,
        gsum_value=sum(durations),
    )


def _refusal(status: int, text: str, **headers: str) -> Response:
    return PlainTextResponse(text + "\n", status_code=status, headers=headers)


@router.get("/metrics")
def metrics(request: Request, store: Store = Depends(store_of)) -> Response:
    variable = web_settings(request).metrics_token_env
    if not variable:
        return _refusal(403, "/metrics is off: the configuration names no web.metrics_token_env")
    expected = os.environ.get(variable, "")
    if not expected:
        return _refusal(403, f"/metrics is off: the environment variable {variable} is not set")
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), expected.encode()):
        return _refusal(401, "/metrics needs Authorization: Bearer <token>", **{"WWW-Authenticate": "Bearer"})
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store))
    encode, content_type = choose_encoder(request.headers.get("accept", ""))  # text, or OpenMetrics if asked
    return Response(encode(registry), headers={"Content-Type": content_type})
