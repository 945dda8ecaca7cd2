"""The one error tree of PeerShare, and the one table mapping each error to the wire.

    PeerShareError                 code            HTTP  (WebSocket frames carry the same code)
    ├── InvalidInput               invalid_input    400
    │   ├── InvalidJson            invalid_json     400   (too_deep: nested past control/inbound.py's limit)
    │   └── ValidationFailed       invalid_body     422
    ├── PayloadTooLarge            payload_too_large 413
    ├── Unauthenticated            unauthenticated  401
    │   ├── InvalidCredentials     invalid_credentials 401
    │   ├── InvalidToken           invalid_token    401
    │   └── TokenExpired           token_expired    401
    ├── PermissionDenied           permission_denied 403
    ├── NotFound                   not_found        404
    ├── Conflict                   conflict         409
    │   ├── AlreadyExists          already_exists   409
    │   └── LimitReached           limit_reached    409
    ├── Gone                       gone             410
    ├── RangeNotSatisfiable        range_not_satisfiable 416
    ├── RateLimited                rate_limited     429
    └── ServiceUnavailable         unavailable      503

Each class has a default `code`; a raise site may pass a more precise one
(`NotFound("group not found", code="group_not_found")`), which keeps its class's status.
"""

from __future__ import annotations

from typing import Any


class PeerShareError(Exception):
    code = "internal_error"
    status = 500

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def to_body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class InvalidInput(PeerShareError):
    code, status = "invalid_input", 400


class InvalidJson(InvalidInput):
    code = "invalid_json"


class ValidationFailed(InvalidInput):
    code, status = "invalid_body", 422


class PayloadTooLarge(PeerShareError):
    code, status = "payload_too_large", 413


class Unauthenticated(PeerShareError):
    code, status = "unauthenticated", 401


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"


class InvalidToken(Unauthenticated):
    code = "invalid_token"


class TokenExpired(Unauthenticated):
    code = "token_expired"


class PermissionDenied(PeerShareError):
    code, status = "permission_denied", 403


class NotFound(PeerShareError):
    code, status = "not_found", 404


class Conflict(PeerShareError):
    code, status = "conflict", 409


class AlreadyExists(Conflict):
    code = "already_exists"


class LimitReached(Conflict):
    code = "limit_reached"


class Gone(PeerShareError):
    code, status = "gone", 410


class RangeNotSatisfiable(PeerShareError):
    code, status = "range_not_satisfiable", 416


class RateLimited(PeerShareError):
    code, status = "rate_limited", 429

    def __init__(self, message: str, *, retry_after_s: int, code: str | None = None) -> None:
        super().__init__(message, code=code, details={"retry_after_s": retry_after_s})
        self.retry_after_s = retry_after_s


class ServiceUnavailable(PeerShareError):
    code, status = "unavailable", 503
