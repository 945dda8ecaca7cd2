"""The SFU driver's errors, mirroring mediasoup's (errors.js) plus the channel's own."""

from __future__ import annotations


class SfuError(Exception):
    """Base of every error the driver raises."""


class InvalidStateError(SfuError):
    """The object (or its channel, or its worker) is closed."""


class UnsupportedError(SfuError):
    """Capabilities or parameters the router or the device does not support."""


class ChannelRequestError(SfuError):
    """The worker refused a request; `reason` is its own words."""

    def __init__(self, method: str, reason: str) -> None:
        super().__init__(f"{method}: {reason}")
        self.method = method
        self.reason = reason


class ChannelTypeError(ChannelRequestError, TypeError):
    """The worker refused a request's data as malformed (its TypeError)."""


class RequestTimeout(SfuError):
    def __init__(self, method: str, timeout_s: float) -> None:
        super().__init__(f"{method}: no answer from the worker within {timeout_s:g} s")
        self.method = method


class WorkerDiedError(InvalidStateError):
    """The worker process went away while a request was pending."""
