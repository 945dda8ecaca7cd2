"""H264 profile-level-id matching (RFC 6184), as the h264-profile-level-id package that
mediasoup's ortc.js uses: parse, compare profiles, and pick the level for an answer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Mapping


class Profile(IntEnum):
    CONSTRAINED_BASELINE = 1
    BASELINE = 2
    MAIN = 3
    CONSTRAINED_HIGH = 4
    HIGH = 5


LEVEL_1_B = 0
_LEVELS = {10, 11, 12, 13, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 52}
_CONSTRAINT_SET3 = 0x10


@dataclass(frozen=True)
class ProfileLevelId:
    profile: Profile
    level: int


DEFAULT = ProfileLevelId(Profile.CONSTRAINED_BASELINE, 31)


def _mask(char: str, pattern: str) -> int:
    return sum(1 << (7 - i) for i, c in enumerate(pattern) if c == char)


# (profile_idc, profile_iop bit pattern, profile): the first match wins.
_PATTERNS = [
    (0x42, "x1xx0000", Profile.CONSTRAINED_BASELINE),
    (0x4D, "1xxx0000", Profile.CONSTRAINED_BASELINE),
    (0x58, "11xx0000", Profile.CONSTRAINED_BASELINE),
    (0x42, "x0xx0000", Profile.BASELINE),
    (0x58, "10xx0000", Profile.BASELINE),
    (0x4D, "0x0x0000", Profile.MAIN),
    (0x64, "00000000", Profile.HIGH),
    (0x64, "00001100", Profile.CONSTRAINED_HIGH),
]


def _iop_matches(pattern: str, value: int) -> bool:
    return _mask("1", pattern) == (value & ~_mask("x", pattern) & 0xFF)


def parse_profile_level_id(text: Any) -> ProfileLevelId | None:
    if not isinstance(text, str) or len(text) != 6:
        return None
    try:
        numeric = int(text, 16)
    except ValueError:
        return None
    if numeric == 0:
        return None
    level_idc, profile_iop, profile_idc = numeric & 0xFF, (numeric >> 8) & 0xFF, (numeric >> 16) & 0xFF
    if level_idc == 11:
        level = LEVEL_1_B if profile_iop & _CONSTRAINT_SET3 else 11
    elif level_idc in _LEVELS:
        level = level_idc
    else:
        return None
    for idc, pattern, profile in _PATTERNS:
        if profile_idc == idc and _iop_matches(pattern, profile_iop):
            return ProfileLevelId(profile, level)
    return None


def profile_level_id_to_string(value: ProfileLevelId) -> str | None:
    if value.level == LEVEL_1_B:
        return {Profile.CONSTRAINED_BASELINE: "42f00b", Profile.BASELINE: "42100b",
                Profile.MAIN: "4d100b"}.get(value.profile)
    prefix = {Profile.CONSTRAINED_BASELINE: "42e0", Profile.BASELINE: "4200", Profile.MAIN: "4d00",
              Profile.CONSTRAINED_HIGH: "640c", Profile.HIGH: "6400"}[value.profile]
    return f"{prefix}{value.level:02x}"


def parse_sdp_profile_level_id(params: Mapping[str, Any]) -> ProfileLevelId | None:
    text = params.get("profile-level-id")
    return DEFAULT if not text else parse_profile_level_id(text)


def is_same_profile(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    first, second = parse_sdp_profile_level_id(a), parse_sdp_profile_level_id(b)
    return first is not None and second is not None and first.profile == second.profile


def _is_less_level(a: int, b: int) -> bool:
    if a == LEVEL_1_B:
        return b not in (10, LEVEL_1_B)
    if b == LEVEL_1_B:
        return a != 10
    return a < b


def _level_asymmetry_allowed(params: Mapping[str, Any]) -> bool:
    return params.get("level-asymmetry-allowed") in (1, "1")


def generate_profile_level_id_for_answer(local: Mapping[str, Any], remote: Mapping[str, Any]) -> str | None:
    """The profile-level-id to answer with; None when neither side named one. Raises ValueError
    when they cannot agree."""
    if not local.get("profile-level-id") and not remote.get("profile-level-id"):
        return None
    mine, theirs = parse_sdp_profile_level_id(local), parse_sdp_profile_level_id(remote)
    if mine is None:
        raise ValueError("invalid local profile-level-id")
    if theirs is None:
        raise ValueError("invalid remote profile-level-id")
    if mine.profile != theirs.profile:
        raise ValueError("H264 profile mismatch")
    if _level_asymmetry_allowed(local) and _level_asymmetry_allowed(remote):
        level = mine.level
    else:
        level = mine.level if _is_less_level(mine.level, theirs.level) else theirs.level
    return profile_level_id_to_string(ProfileLevelId(mine.profile, level))
