"""The long-lived objects a request handler may use, built once by control.app."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from control.auth.tokens import TokenService
from control.calls.service import CallService
from control.calls.sfu import SfuService
from control.chat import Chat
from control.downloads import DownloadSlots
from control.notifications import Notifier
from control.proxies import TrustedProxies
from control.ratelimit import RateLimiter
from control.realtime.gateway import Realtime
from control.recording.archive import Archive
from control.recording.service import RecordingService
from control.rights import Rights
from control.settings import Settings
from control.store.postgres import Database


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    tokens: TokenService
    limiter: RateLimiter
    downloads: DownloadSlots
    proxies: TrustedProxies
    # For calls to OAuth providers.
    http: httpx.AsyncClient
    realtime: Realtime
    rights: Rights
    chat: Chat
    calls: CallService
    sfu: SfuService
    archive: Archive
    recording: RecordingService
    notifier: Notifier
