"""HTTP byte ranges (RFC 9110 §14) of one file: what a player asks for when it seeks."""

from __future__ import annotations

import re

from control.errors import RangeNotSatisfiable

_SINGLE = re.compile(r"bytes=(\d*)-(\d*)")


def requested_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte, inclusive, of a single-range request; None: send the whole file (no
    Range, or one we do not serve, such as several ranges, which a server may ignore)."""
    if header is None:
        return None
    match = _SINGLE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable(f"the file has {size} bytes", code="range_not_satisfiable")
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise RangeNotSatisfiable(f"the file has {size} bytes", code="range_not_satisfiable")
    return start, end
