"""`GET /metrics`: what an operator watches, in Prometheus' text format — this node's sockets,
messages and SFU rooms, the mediasoup workers' CPU and memory, and the live calls of the whole
deployment. With METRICS_TOKEN set, a scraper must send it as a bearer token; without one, only
requests from this machine that no proxy relayed are answered. Workers are labelled by their
slot, never their PID (a PID tells an outsider about the host and changes at every respawn)."""

from __future__ import annotations

import asyncio
import hmac
import resource
from datetime import datetime, timedelta, timezone

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from control import __version__
from control.errors import PermissionDenied, Unauthenticated
from control.proxies import is_local_request
from control.services import Services
from control.history.deployment import deployment_stats
from control.store import calls


class Exposition:
    def __init__(self) -> None:
        self._lines: list[str] = []

    def metric(self, name: str, kind: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> None:
        self._lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        for labels, value in samples:
            label_text = ",".join(f'{k}="{v}"' for k, v in labels.items())
            self._lines.append(f"{name}{{{label_text}}} {value:g}" if label_text else f"{name} {value:g}")

    def text(self) -> str:
        return "\n".join(self._lines) + "\n"


async def render(services: Services) -> str:
    out = Exposition()
    out.metric("peershare_build_info", "gauge", "version of this node", [({"version": __version__}, 1)])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.metric("process_cpu_seconds_total", "counter", "CPU time of this node's process",
               [({}, usage.ru_utime + usage.ru_stime)])
    out.metric("process_max_resident_memory_bytes", "gauge", "peak resident memory of this node's process",
               [({}, usage.ru_maxrss * 1024)])
    out.metric("peershare_websocket_sessions", "gauge", "WebSocket sessions connected to this node",
               [({}, len(services.realtime.hub.local_sessions))])
    out.metric("peershare_messages_sent_total", "counter", "chat messages sent through this node",
               [({}, services.chat.sent_total)])
    async with services.db.connection() as conn:
        live = await calls.live_counts(conn)
        day = await deployment_stats(conn, datetime.now(timezone.utc) - timedelta(days=1))
    out.metric("peershare_calls_live", "gauge", "live calls of the deployment, by mode",
               [({"mode": mode}, live.get(mode, (0, 0))[0]) for mode in ("p2p", "sfu")])
    out.metric("peershare_call_participants_live", "gauge", "people in live calls of the deployment, by mode",
               [({"mode": mode}, live.get(mode, (0, 0))[1]) for mode in ("p2p", "sfu")])
    counted = services.calls.counters
    out.metric("peershare_call_minutes_total", "counter", "minutes of the calls that ended on this node",
               [({}, counted.call_seconds / 60)])
    out.metric("peershare_calls_ended_total", "counter", "calls that ended on this node", [({}, counted.calls_ended)])
    out.metric("peershare_calls_relayed_total", "counter",
               "calls that ended on this node in which TURN relayed someone's media", [({}, counted.calls_relayed)])
    out.metric("peershare_call_joins_total", "counter",
               "joins this node let in (success) and failed joins refused here or reported by clients here",
               [({"result": result} | ({"reason": reason} if reason else {}), n)
                for (result, reason), n in sorted(counted.joins.items())])
    out.metric("peershare_turn_share_24h", "gauge", "share of the deployment's calls of the last 24 h that TURN relayed",
               [({}, day.turn_share)] if day.turn_share is not None else [])
    out.metric("peershare_join_success_rate_24h", "gauge", "share of the deployment's joins of the last 24 h that worked",
               [({}, day.join_success_rate)] if day.join_success_rate is not None else [])
    sfu = services.sfu
    rooms = sfu.rooms()
    out.metric("peershare_sfu_rooms", "gauge", "SFU rooms hosted on this node", [({}, len(rooms))])
    out.metric("peershare_sfu_peers", "gauge", "participants in SFU rooms hosted on this node",
               [({}, sum(len(room.peers) for room in rooms))])
    workers = sfu.engine.workers_by_slot()
    usages = await asyncio.gather(*(w.get_resource_usage() for w in workers.values()), return_exceptions=True)
    measured = [({"worker": str(slot)}, u) for slot, u in zip(workers, usages) if isinstance(u, dict)]
    out.metric("peershare_media_workers", "gauge", "live mediasoup workers", [({}, len(workers))])
    out.metric("peershare_media_worker_cpu_seconds_total", "counter", "CPU time of each mediasoup worker",
               [(label, (u["ru_utime"] + u["ru_stime"]) / 1000) for label, u in measured])
    out.metric("peershare_media_worker_max_resident_memory_bytes", "gauge", "peak memory of each mediasoup worker",
               [(label, u["ru_maxrss"] * 1024) for label, u in measured])
    out.metric("peershare_media_worker_routers", "gauge", "routers (calls) on each mediasoup worker",
               [({"worker": str(slot)}, len(w.routers)) for slot, w in workers.items()])
    return out.text()


async def metrics_endpoint(request: Request) -> Response:
    services: Services = request.app.state.services
    token = services.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise Unauthenticated("metrics need the METRICS_TOKEN bearer token", code="metrics_token_required")
    elif not is_local_request(request):
        raise PermissionDenied("metrics answer only this machine unless METRICS_TOKEN is set",
                               code="metrics_not_local")
    return PlainTextResponse(await render(services), media_type="text/plain; version=0.0.4")
