"""One typed settings object, read once from the environment, with embedded defaults.

With no DATABASE_URL PeerShare runs its own PostgreSQL (pgserver) in the data folder; with no
REDIS_URL it runs single-node on an in-process bus; with no JWT_SECRET it generates one once and
keeps it in the data folder.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

OAUTH_PROVIDERS = ("google", "github", "discord")

# The web client's build (npm run build in webclient/).
WEBCLIENT_DIST = Path(__file__).resolve().parents[1] / "webclient" / "dist"

# Public endpoints of each provider; each can be overridden (tests point them at a local server).
_OAUTH_DEFAULT_ENDPOINTS: dict[str, dict[str, str]] = {
    "google": {
        "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_url": "https://oauth2.googleapis.com/token",
        "userinfo_url": "https://openidconnect.googleapis.com/v1/userinfo",
        "emails_url": "",
        "scope": "openid email profile",
    },
    "github": {
        "authorize_url": "https://github.com/login/oauth/authorize",
        "token_url": "https://github.com/login/oauth/access_token",
        "userinfo_url": "https://api.github.com/user",
        "emails_url": "https://api.github.com/user/emails",
        "scope": "read:user user:email",
    },
    "discord": {
        "authorize_url": "https://discord.com/oauth2/authorize",
        "token_url": "https://discord.com/api/oauth2/token",
        "userinfo_url": "https://discord.com/api/users/@me",
        "emails_url": "",
        "scope": "identify email",
    },
}


@dataclass(frozen=True)
class OAuthProviderSettings:
    name: str
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    userinfo_url: str
    emails_url: str
    scope: str


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("data")
    database_url: str | None = None
    database_schema: str = "public"
    redis_url: str | None = None
    jwt_secret: str = ""
    public_url: str = "http://127.0.0.1:8080"
    access_token_ttl_s: int = 3600
    refresh_token_ttl_s: int = 30 * 24 * 3600
    guest_call_limit_s: int = 3600
    max_body_bytes: int = 64 * 1024
    # Login/register attempts allowed per window, per client IP and per account.
    auth_rate_limit: int = 10
    auth_rate_window_s: int = 60
    # Proxies (addresses or CIDRs) whose X-Forwarded-For is believed; none by default.
    forwarded_allow_ips: tuple[str, ...] = ()
    oauth: Mapping[str, OAuthProviderSettings] = field(default_factory=dict)
    log_level: str = "info"
    webclient_dir: Path = WEBCLIENT_DIST
    # WebSocket gateway. Browsers' Origin must be one of these (the public URL's when empty).
    allowed_origins: tuple[str, ...] = ()
    hello_timeout_s: float = 5.0
    # Protocol pings every interval; a socket silent for interval + timeout is dropped.
    ws_ping_interval_s: float = 10.0
    ws_ping_timeout_s: float = 10.0
    # A session not renewed for this long (its node died) is reaped from presence.
    presence_lease_s: float = 30.0
    # Frames per second per connection (with a burst of twice that), messages per second per user.
    ws_frame_rate: float = 50.0
    message_rate: int = 30
    # Call joins per user per minute.
    join_rate: int = 20
    # Calls. A participant whose socket dropped may resume within the grace period.
    call_resume_grace_s: float = 20.0
    # SFU (calls of three or more): mediasoup workers (0: one per core), their RTC port range,
    # the address transports listen on and the one announced to clients (behind NAT).
    media_workers: int = 0
    rtc_min_port: int = 40000
    rtc_max_port: int = 48999
    media_listen_ip: str = "127.0.0.1"
    media_announced_ip: str | None = None
    # Caps on what one participant may send to the SFU, in bits per second.
    sfu_max_incoming_bitrate: int = 6_000_000
    # GET /metrics asks for this bearer token when set; when empty it answers local requests only.
    metrics_token: str = ""
    # With several nodes: a call's SFU host renews its claim; one silent this long is taken over.
    sfu_host_lease_s: float = 15.0
    # TURN: "managed" runs Debian's coturn beside the node, "external" uses TURN_URLS, "off" none.
    turn_mode: str = "off"
    turn_secret: str = ""
    turn_urls: tuple[str, ...] = ()
    stun_urls: tuple[str, ...] = ()
    # Lifetime of a call's TURN credentials; signaling renews them while the call goes on.
    turn_ttl_s: int = 1800
    turn_host: str = "127.0.0.1"
    turn_listen_ip: str = "127.0.0.1"
    turn_port: int = 3478
    turn_min_port: int = 49160
    turn_max_port: int = 49400
    turn_realm: str = "peershare"
    turn_external_ip: str | None = None
    turn_tls_cert: Path | None = None
    turn_tls_key: Path | None = None
    # Where coturn relays from (default: TURN_LISTEN_IP); add an IPv6 address to relay to IPv6 peers.
    turn_relay_ips: tuple[str, ...] = ()
    # Limits of the managed coturn: allocations per user and in total, bits per second per
    # allocation and for all of them together.
    turn_user_quota: int = 12
    turn_total_quota: int = 1200
    turn_max_bitrate: int = 3_000_000
    turn_total_bitrate: int = 1_000_000_000
    # The user coturn runs as when the node runs as root (Debian's package creates it).
    turn_proc_user: str = "turnserver"
    # coturn's admin console on 127.0.0.1, through which the node cuts revoked relays (0: any free port).
    turn_cli_port: int = 0
    # GET /api/ice-servers (the network check) per user and window.
    turn_check_rate: int = 10
    turn_check_window_s: int = 600
    # Downloads (group export, calls.csv, /api/me/export) and analytics per user and window: each
    # holds a database snapshot or scans a group's calls.
    download_rate: int = 10
    download_window_s: int = 600
    analytics_rate: int = 60
    analytics_window_s: int = 60
    # Only for tests on one machine: production refuses to relay to loopback and private peers.
    turn_allow_loopback: bool = False
    # Recordings: S3-compatible storage when endpoint and bucket are set, else data_dir/recordings.
    s3_endpoint: str | None = None
    s3_bucket: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str = "us-east-1"
    # Lifetime of a recording's play/download link, and how often expired recordings are swept.
    recording_link_ttl_s: int = 900
    recording_retention_interval_s: float = 3600.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        data_dir = Path(env.get("PEERSHARE_DATA", "data")).resolve()
        host = env.get("HOST", "127.0.0.1")
        port = int(env.get("PORT", "8080"))
        return cls(
            host=host,
            port=port,
            data_dir=data_dir,
            database_url=env.get("DATABASE_URL") or None,
            database_schema=env.get("DATABASE_SCHEMA", "public"),
            redis_url=env.get("REDIS_URL") or None,
            jwt_secret=env.get("JWT_SECRET") or _stored_secret(data_dir / "jwt_secret"),
            public_url=env.get("PUBLIC_URL", f"http://{host}:{port}").rstrip("/"),
            access_token_ttl_s=int(env.get("ACCESS_TOKEN_TTL", "3600")),
            refresh_token_ttl_s=int(env.get("REFRESH_TOKEN_TTL", str(30 * 24 * 3600))),
            guest_call_limit_s=int(env.get("GUEST_CALL_LIMIT", "3600")),
            auth_rate_limit=int(env.get("AUTH_RATE_LIMIT", "10")),
            auth_rate_window_s=int(env.get("AUTH_RATE_WINDOW", "60")),
            forwarded_allow_ips=_split(env.get("FORWARDED_ALLOW_IPS", "")),
            oauth=_oauth_from_env(env),
            log_level=env.get("LOG_LEVEL", "info").lower(),
            webclient_dir=Path(env.get("WEBCLIENT_DIR") or WEBCLIENT_DIST),
            allowed_origins=tuple(o.rstrip("/") for o in _split(env.get("ALLOWED_ORIGINS", ""))),
            ws_ping_interval_s=float(env.get("WS_PING_INTERVAL", "10")),
            ws_ping_timeout_s=float(env.get("WS_PING_TIMEOUT", "10")),
            presence_lease_s=float(env.get("PRESENCE_LEASE", "30")),
            ws_frame_rate=float(env.get("WS_FRAME_RATE", "50")),
            message_rate=int(env.get("MESSAGE_RATE", "30")),
            join_rate=int(env.get("JOIN_RATE", "20")),
            call_resume_grace_s=float(env.get("CALL_RESUME_GRACE", "20")),
            media_workers=int(env.get("MEDIA_WORKERS", "0")),
            rtc_min_port=int(env.get("RTC_MIN_PORT", "40000")),
            rtc_max_port=int(env.get("RTC_MAX_PORT", "48999")),
            media_listen_ip=env.get("MEDIA_LISTEN_IP", host if host not in ("0.0.0.0", "::") else "0.0.0.0"),
            media_announced_ip=env.get("MEDIA_ANNOUNCED_IP") or None,
            sfu_max_incoming_bitrate=int(env.get("SFU_MAX_INCOMING_BITRATE", "6000000")),
            sfu_host_lease_s=float(env.get("SFU_HOST_LEASE", "15")),
            metrics_token=env.get("METRICS_TOKEN", ""),
            s3_endpoint=env.get("S3_ENDPOINT") or None,
            s3_bucket=env.get("S3_BUCKET") or None,
            s3_access_key=env.get("S3_ACCESS_KEY") or None,
            s3_secret_key=env.get("S3_SECRET_KEY") or None,
            s3_region=env.get("S3_REGION") or "us-east-1",
            recording_link_ttl_s=int(env.get("RECORDING_LINK_TTL", "900")),
            download_rate=int(env.get("DOWNLOAD_RATE", "10")),
            download_window_s=int(env.get("DOWNLOAD_WINDOW", "600")),
            analytics_rate=int(env.get("ANALYTICS_RATE", "60")),
            analytics_window_s=int(env.get("ANALYTICS_WINDOW", "60")),
            recording_retention_interval_s=float(env.get("RECORDING_RETENTION_INTERVAL", "3600")),
            **_turn_from_env(env, data_dir, host, public_url=env.get("PUBLIC_URL", f"http://{host}:{port}")),
        )

    def origin_allowed(self, origin: str | None) -> bool:
        """Non-browser clients send no Origin; browsers must come from an allowed site."""
        if origin is None:
            return True
        allowed = self.allowed_origins or (_origin_of(self.public_url),)
        return origin.rstrip("/") in allowed or "*" in allowed


def _origin_of(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/')[0]}"


def _stored_secret(path: Path) -> str:
    """Reads the signing secret kept in the data folder, creating it on first start."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once must not end up with different secrets.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secret)
    return secret


def _turn_from_env(env: Mapping[str, str], data_dir: Path, host: str, public_url: str) -> dict[str, Any]:
    mode = env.get("TURN_MODE") or ("managed" if shutil.which("turnserver") else "off")
    if mode not in ("managed", "external", "off"):
        raise ValueError(f"TURN_MODE must be managed, external or off, not {mode!r}")
    public_host = public_url.partition("://")[2].split("/")[0].rsplit(":", 1)[0] or host
    listen_ip = env.get("TURN_LISTEN_IP", host if host not in ("0.0.0.0", "::") else "0.0.0.0")
    cert, key = env.get("TURN_TLS_CERT"), env.get("TURN_TLS_KEY")
    return {
        "turn_mode": mode,
        "turn_secret": env.get("TURN_SECRET") or (_stored_secret(data_dir / "turn_secret") if mode == "managed" else ""),
        "turn_urls": _split(env.get("TURN_URLS", "")),
        "stun_urls": _split(env.get("STUN_URLS", "")),
        "turn_ttl_s": int(env.get("TURN_TTL", "1800")),
        "turn_host": env.get("TURN_HOST", public_host),
        "turn_listen_ip": listen_ip,
        "turn_port": int(env.get("TURN_PORT", "3478")),
        "turn_min_port": int(env.get("TURN_MIN_PORT", "49160")),
        "turn_max_port": int(env.get("TURN_MAX_PORT", "49400")),
        "turn_realm": env.get("TURN_REALM", "peershare"),
        "turn_external_ip": env.get("TURN_EXTERNAL_IP") or None,
        "turn_tls_cert": Path(cert) if cert else None,
        "turn_tls_key": Path(key) if key else None,
        "turn_relay_ips": _split(env.get("TURN_RELAY_IPS", "")),
        "turn_user_quota": int(env.get("TURN_USER_QUOTA", "12")),
        "turn_total_quota": int(env.get("TURN_TOTAL_QUOTA", "1200")),
        "turn_max_bitrate": int(env.get("TURN_MAX_BITRATE", "3000000")),
        "turn_total_bitrate": int(env.get("TURN_TOTAL_BITRATE", "1000000000")),
        "turn_proc_user": env.get("TURN_PROC_USER", "turnserver"),
        "turn_cli_port": int(env.get("TURN_CLI_PORT", "0")),
        "turn_check_rate": int(env.get("TURN_CHECK_RATE", "10")),
        "turn_check_window_s": int(env.get("TURN_CHECK_WINDOW", "600")),
        "turn_allow_loopback": env.get("TURN_ALLOW_LOOPBACK", "") in ("1", "true", "yes"),
    }


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _oauth_from_env(env: Mapping[str, str]) -> dict[str, OAuthProviderSettings]:
    """A provider is enabled when OAUTH_<NAME>_CLIENT_ID is set."""
    providers = {}
    for name in OAUTH_PROVIDERS:
        prefix = f"OAUTH_{name.upper()}_"
        client_id = env.get(prefix + "CLIENT_ID")
        if not client_id:
            continue
        defaults = _OAUTH_DEFAULT_ENDPOINTS[name]
        providers[name] = OAuthProviderSettings(
            name=name,
            client_id=client_id,
            client_secret=env.get(prefix + "CLIENT_SECRET", ""),
            **{key: env.get(prefix + key.upper(), value) for key, value in defaults.items()},
        )
    return providers
