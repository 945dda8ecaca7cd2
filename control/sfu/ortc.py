"""RTP capability and parameter logic, ported from mediasoup 3.12.16's node/lib/ortc.js.

Everything works on plain dicts in mediasoup's wire shape (camelCase keys), since that is what
the worker and mediasoup-client speak. The validate_* functions fill in defaults in place, as
ortc.js does, and raise TypeError for malformed input.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

from control.sfu import h264_profile
from control.sfu.errors import UnsupportedError
from control.sfu.supported_rtp_capabilities import SUPPORTED_RTP_CAPABILITIES

Dict = dict[str, Any]

DYNAMIC_PAYLOAD_TYPES = [*range(100, 128), 96, 97, 98, 99]
_MIME = re.compile(r"^(audio|video)/(.+)", re.IGNORECASE)
TRANSPORT_CC = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
ABS_SEND_TIME = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
MID = "urn:ietf:params:rtp-hdrext:sdes:mid"


def clone(value: Any) -> Any:
    """A deep copy of wire data (what mediasoup's utils.clone does); far faster than copy.deepcopy."""
    return json.loads(json.dumps(value))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def random_ssrc() -> int:
    return random.randint(100_000_000, 999_999_999)


# --- validation -------------------------------------------------------------------------------


def validate_rtp_capabilities(caps: Any) -> None:
    if not isinstance(caps, dict):
        raise TypeError("caps is not an object")
    for key, validate in (("codecs", validate_rtp_codec_capability), ("headerExtensions", validate_rtp_header_extension)):
        if caps.get(key) is None:
            caps[key] = []
        if not isinstance(caps[key], list):
            raise TypeError(f"caps.{key} is not an array")
        for item in caps[key]:
            validate(item)


def _validate_codec_common(codec: Any) -> str:
    if not isinstance(codec, dict):
        raise TypeError("codec is not an object")
    mime_type = codec.get("mimeType")
    if not mime_type or not isinstance(mime_type, str):
        raise TypeError("missing codec.mimeType")
    match = _MIME.match(mime_type)
    if match is None:
        raise TypeError("invalid codec.mimeType")
    if not _number(codec.get("clockRate")):
        raise TypeError("missing codec.clockRate")
    kind = match.group(1).lower()
    if kind == "audio":
        if not _number(codec.get("channels")):
            codec["channels"] = 1
    else:
        codec.pop("channels", None)
    if not isinstance(codec.get("parameters"), dict):
        codec["parameters"] = {}
    for key, value in list(codec["parameters"].items()):
        if value is None:
            codec["parameters"][key] = value = ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise TypeError(f"invalid codec parameter [key:{key}, value:{value}]")
        if key == "apt" and not _number(value):
            raise TypeError("invalid codec apt parameter")
    if not isinstance(codec.get("rtcpFeedback"), list):
        codec["rtcpFeedback"] = []
    for feedback in codec["rtcpFeedback"]:
        validate_rtcp_feedback(feedback)
    return kind


def validate_rtp_codec_capability(codec: Any) -> None:
    kind = _validate_codec_common(codec)
    codec["kind"] = kind
    if codec.get("preferredPayloadType") is not None and not _number(codec["preferredPayloadType"]):
        raise TypeError("invalid codec.preferredPayloadType")


def validate_rtcp_feedback(feedback: Any) -> None:
    if not isinstance(feedback, dict):
        raise TypeError("fb is not an object")
    if not feedback.get("type") or not isinstance(feedback["type"], str):
        raise TypeError("missing fb.type")
    if not feedback.get("parameter") or not isinstance(feedback["parameter"], str):
        feedback["parameter"] = ""


def validate_rtp_header_extension(ext: Any) -> None:
    if not isinstance(ext, dict):
        raise TypeError("ext is not an object")
    if ext.get("kind") not in ("audio", "video"):
        raise TypeError("invalid ext.kind")
    if not ext.get("uri") or not isinstance(ext["uri"], str):
        raise TypeError("missing ext.uri")
    if not _number(ext.get("preferredId")):
        raise TypeError("missing ext.preferredId")
    if ext.get("preferredEncrypt") and not isinstance(ext["preferredEncrypt"], bool):
        raise TypeError("invalid ext.preferredEncrypt")
    ext["preferredEncrypt"] = bool(ext.get("preferredEncrypt"))
    if ext.get("direction") and not isinstance(ext["direction"], str):
        raise TypeError("invalid ext.direction")
    ext["direction"] = ext.get("direction") or "sendrecv"


def validate_rtp_parameters(params: Any) -> None:
    if not isinstance(params, dict):
        raise TypeError("params is not an object")
    if params.get("mid") and not isinstance(params["mid"], str):
        raise TypeError("params.mid is not a string")
    if not isinstance(params.get("codecs"), list):
        raise TypeError("missing params.codecs")
    for codec in params["codecs"]:
        validate_rtp_codec_parameters(codec)
    for key, validate in (("headerExtensions", validate_rtp_header_extension_parameters),
                          ("encodings", validate_rtp_encoding_parameters)):
        if params.get(key) is None:
            params[key] = []
        if not isinstance(params[key], list):
            raise TypeError(f"params.{key} is not an array")
        for item in params[key]:
            validate(item)
    if params.get("rtcp") is None:
        params["rtcp"] = {}
    validate_rtcp_parameters(params["rtcp"])


def validate_rtp_codec_parameters(codec: Any) -> None:
    if isinstance(codec, dict) and not _number(codec.get("payloadType")):
        raise TypeError("missing codec.payloadType")
    _validate_codec_common(codec)


def validate_rtp_header_extension_parameters(ext: Any) -> None:
    if not isinstance(ext, dict):
        raise TypeError("ext is not an object")
    if not ext.get("uri") or not isinstance(ext["uri"], str):
        raise TypeError("missing ext.uri")
    if not _number(ext.get("id")):
        raise TypeError("missing ext.id")
    if ext.get("encrypt") and not isinstance(ext["encrypt"], bool):
        raise TypeError("invalid ext.encrypt")
    ext["encrypt"] = bool(ext.get("encrypt"))
    if not isinstance(ext.get("parameters"), dict):
        ext["parameters"] = {}
    for key, value in list(ext["parameters"].items()):
        if value is None:
            ext["parameters"][key] = value = ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise TypeError("invalid header extension parameter")


def validate_rtp_encoding_parameters(encoding: Any) -> None:
    if not isinstance(encoding, dict):
        raise TypeError("encoding is not an object")
    if encoding.get("ssrc") and not _number(encoding["ssrc"]):
        raise TypeError("invalid encoding.ssrc")
    if encoding.get("rid") and not isinstance(encoding["rid"], str):
        raise TypeError("invalid encoding.rid")
    if encoding.get("rtx"):
        if not isinstance(encoding["rtx"], dict):
            raise TypeError("invalid encoding.rtx")
        if not _number(encoding["rtx"].get("ssrc")):
            raise TypeError("missing encoding.rtx.ssrc")
    if not isinstance(encoding.get("dtx"), bool):
        encoding["dtx"] = False
    if encoding.get("scalabilityMode") and not isinstance(encoding["scalabilityMode"], str):
        raise TypeError("invalid encoding.scalabilityMode")


def validate_rtcp_parameters(rtcp: Any) -> None:
    if not isinstance(rtcp, dict):
        raise TypeError("rtcp is not an object")
    if rtcp.get("cname") and not isinstance(rtcp["cname"], str):
        raise TypeError("invalid rtcp.cname")
    if not isinstance(rtcp.get("reducedSize"), bool) or not rtcp["reducedSize"]:
        rtcp["reducedSize"] = True


# --- capabilities and parameters --------------------------------------------------------------


def generate_router_rtp_capabilities(media_codecs: list[Dict]) -> Dict:
    """The router's capabilities: the supported codecs its media codecs name, each video codec
    followed by its RTX codec, with payload types allocated from the dynamic range."""
    if not isinstance(media_codecs, list):
        raise TypeError("mediaCodecs must be an Array")
    supported = clone(SUPPORTED_RTP_CAPABILITIES)
    validate_rtp_capabilities(supported)
    dynamic = list(DYNAMIC_PAYLOAD_TYPES)
    caps: Dict = {"codecs": [], "headerExtensions": supported["headerExtensions"]}
    for media_codec in media_codecs:
        validate_rtp_codec_capability(media_codec)
        matched = next((c for c in supported["codecs"] if match_codecs(media_codec, c, strict=False)), None)
        if matched is None:
            raise UnsupportedError(f"media codec not supported [mimeType:{media_codec['mimeType']}]")
        codec = clone(matched)
        if _number(media_codec.get("preferredPayloadType")):
            codec["preferredPayloadType"] = media_codec["preferredPayloadType"]
            if codec["preferredPayloadType"] in dynamic:
                dynamic.remove(codec["preferredPayloadType"])
        elif not _number(codec.get("preferredPayloadType")):
            if not dynamic:
                raise ValueError("cannot allocate more dynamic codec payload types")
            codec["preferredPayloadType"] = dynamic.pop(0)
        if any(c["preferredPayloadType"] == codec["preferredPayloadType"] for c in caps["codecs"]):
            raise TypeError("duplicated codec.preferredPayloadType")
        codec["parameters"] = {**codec["parameters"], **media_codec["parameters"]}
        caps["codecs"].append(codec)
        if codec["kind"] == "video":
            if not dynamic:
                raise ValueError("cannot allocate more dynamic codec payload types")
            caps["codecs"].append({
                "kind": codec["kind"], "mimeType": f"{codec['kind']}/rtx", "preferredPayloadType": dynamic.pop(0),
                "clockRate": codec["clockRate"], "parameters": {"apt": codec["preferredPayloadType"]},
                "rtcpFeedback": [],
            })
    return caps


def get_producer_rtp_parameters_mapping(params: Dict, caps: Dict) -> Dict:
    """How the producer's payload types and SSRCs map onto the router's."""
    mapping: Dict = {"codecs": [], "encodings": []}
    to_cap: list[tuple[Dict, Dict]] = []
    for codec in params["codecs"]:
        if is_rtx_codec(codec):
            continue
        matched = next((c for c in caps["codecs"] if match_codecs(codec, c, strict=True, modify=True)), None)
        if matched is None:
            raise UnsupportedError(
                f"unsupported codec [mimeType:{codec['mimeType']}, payloadType:{codec['payloadType']}]")
        to_cap.append((codec, matched))
    for codec in params["codecs"]:
        if not is_rtx_codec(codec):
            continue
        media = next((c for c in params["codecs"] if c["payloadType"] == codec["parameters"].get("apt")), None)
        if media is None:
            raise TypeError(f"missing media codec found for RTX PT {codec['payloadType']}")
        cap_media = next(cap for c, cap in to_cap if c is media)
        cap_rtx = next((c for c in caps["codecs"]
                        if is_rtx_codec(c) and c["parameters"].get("apt") == cap_media["preferredPayloadType"]), None)
        if cap_rtx is None:
            raise UnsupportedError(f"no RTX codec for capability codec PT {cap_media['preferredPayloadType']}")
        to_cap.append((codec, cap_rtx))
    for codec, cap in to_cap:
        mapping["codecs"].append({"payloadType": codec["payloadType"], "mappedPayloadType": cap["preferredPayloadType"]})
    mapped_ssrc = random_ssrc()
    for encoding in params["encodings"]:
        mapped: Dict = {"mappedSsrc": mapped_ssrc}
        mapped_ssrc += 1
        for key in ("rid", "ssrc", "scalabilityMode"):
            if encoding.get(key):
                mapped[key] = encoding[key]
        mapping["encodings"].append(mapped)
    return mapping


def get_consumable_rtp_parameters(kind: str, params: Dict, caps: Dict, mapping: Dict) -> Dict:
    """What consumers of this producer are offered: router payload types and mapped SSRCs."""
    consumable: Dict = {"codecs": [], "headerExtensions": [], "encodings": [], "rtcp": {}}
    for codec in params["codecs"]:
        if is_rtx_codec(codec):
            continue
        pt = next(e["mappedPayloadType"] for e in mapping["codecs"] if e["payloadType"] == codec["payloadType"])
        cap = next(c for c in caps["codecs"] if c["preferredPayloadType"] == pt)
        consumable_codec: Dict = {
            "mimeType": cap["mimeType"], "payloadType": cap["preferredPayloadType"], "clockRate": cap["clockRate"],
            "parameters": codec["parameters"], "rtcpFeedback": cap["rtcpFeedback"],
        }
        if "channels" in cap:
            consumable_codec["channels"] = cap["channels"]
        consumable["codecs"].append(consumable_codec)
        rtx = next((c for c in caps["codecs"]
                    if is_rtx_codec(c) and c["parameters"].get("apt") == consumable_codec["payloadType"]), None)
        if rtx is not None:
            consumable["codecs"].append({
                "mimeType": rtx["mimeType"], "payloadType": rtx["preferredPayloadType"],
                "clockRate": rtx["clockRate"], "parameters": rtx["parameters"], "rtcpFeedback": rtx["rtcpFeedback"],
            })
    for ext in caps["headerExtensions"]:
        if ext["kind"] != kind or ext["direction"] not in ("sendrecv", "sendonly"):
            continue
        consumable["headerExtensions"].append(
            {"uri": ext["uri"], "id": ext["preferredId"], "encrypt": ext["preferredEncrypt"], "parameters": {}})
    for encoding, mapped in zip(clone(params["encodings"]), mapping["encodings"]):
        for key in ("rid", "rtx", "codecPayloadType"):
            encoding.pop(key, None)
        encoding["ssrc"] = mapped["mappedSsrc"]
        consumable["encodings"].append(encoding)
    consumable["rtcp"] = {"cname": params["rtcp"].get("cname"), "reducedSize": True, "mux": True}
    return consumable


def can_consume(consumable: Dict, caps: Dict) -> bool:
    validate_rtp_capabilities(caps)
    matching = [codec for codec in consumable["codecs"]
                if any(match_codecs(cap, codec, strict=True) for cap in caps["codecs"])]
    return bool(matching) and not is_rtx_codec(matching[0])


def _scalability_temporal_layers(mode: str | None) -> int:
    match = re.match(r"^[LS]([1-9]\d{0,1})T([1-9]\d{0,1})(_KEY)?", mode or "")
    return int(match.group(2)) if match else 1


def get_consumer_rtp_parameters(consumable: Dict, remote_caps: Dict, *, pipe: bool = False,
                                enable_rtx: bool = True) -> Dict:
    """The parameters a consumer sends with, for a device with `remote_caps`."""
    params: Dict = {"codecs": [], "headerExtensions": [], "encodings": [], "rtcp": consumable["rtcp"]}
    for cap in remote_caps["codecs"]:
        validate_rtp_codec_capability(cap)
    rtx_supported = False
    for codec in clone(consumable["codecs"]):
        if not enable_rtx and is_rtx_codec(codec):
            continue
        cap = next((c for c in remote_caps["codecs"] if match_codecs(c, codec, strict=True)), None)
        if cap is None:
            continue
        codec["rtcpFeedback"] = [fb for fb in cap["rtcpFeedback"]
                                 if enable_rtx or fb["type"] != "nack" or fb["parameter"]]
        params["codecs"].append(codec)
    for codec in list(reversed(params["codecs"])):
        if is_rtx_codec(codec):
            if any(c["payloadType"] == codec["parameters"].get("apt") for c in params["codecs"]):
                rtx_supported = True
            else:
                params["codecs"].remove(codec)
    if not params["codecs"] or is_rtx_codec(params["codecs"][0]):
        raise UnsupportedError("no compatible media codecs")
    params["headerExtensions"] = [
        ext for ext in consumable["headerExtensions"]
        if any(c["preferredId"] == ext["id"] and c["uri"] == ext["uri"] for c in remote_caps["headerExtensions"])
    ]
    uris = {ext["uri"] for ext in params["headerExtensions"]}
    # Congestion feedback follows the header extension both ends support: transport-cc, else REMB.
    dropped = {"goog-remb"} if TRANSPORT_CC in uris else {"transport-cc"} if ABS_SEND_TIME in uris \
        else {"transport-cc", "goog-remb"}
    for codec in params["codecs"]:
        codec["rtcpFeedback"] = [fb for fb in codec["rtcpFeedback"] if fb["type"] not in dropped]
    if not pipe:
        encoding: Dict = {"ssrc": random_ssrc()}
        if rtx_supported:
            encoding["rtx"] = {"ssrc": encoding["ssrc"] + 1}
        with_mode = next((e for e in consumable["encodings"] if e.get("scalabilityMode")), None)
        mode = with_mode["scalabilityMode"] if with_mode else None
        if len(consumable["encodings"]) > 1:
            mode = f"L{len(consumable['encodings'])}T{_scalability_temporal_layers(mode)}"
        if mode:
            encoding["scalabilityMode"] = mode
        max_bitrate = max((e.get("maxBitrate") or 0 for e in consumable["encodings"]), default=0)
        if max_bitrate:
            encoding["maxBitrate"] = max_bitrate
        params["encodings"].append(encoding)
    else:
        base_ssrc, base_rtx = random_ssrc(), random_ssrc()
        for i, encoding in enumerate(clone(consumable["encodings"])):
            encoding["ssrc"] = base_ssrc + i
            if rtx_supported:
                encoding["rtx"] = {"ssrc": base_rtx + i}
            else:
                encoding.pop("rtx", None)
            params["encodings"].append(encoding)
    return params


def get_pipe_consumer_rtp_parameters(consumable: Dict, *, enable_rtx: bool = False) -> Dict:
    """Parameters for a consumer on a PipeTransport: every encoding, only PLI/FIR (and NACK) feedback."""
    params: Dict = {"codecs": [], "headerExtensions": [], "encodings": [], "rtcp": consumable["rtcp"]}
    for codec in clone(consumable["codecs"]):
        if not enable_rtx and is_rtx_codec(codec):
            continue
        codec["rtcpFeedback"] = [
            fb for fb in codec["rtcpFeedback"]
            if (fb["type"] == "nack" and fb["parameter"] == "pli") or (fb["type"] == "ccm" and fb["parameter"] == "fir")
            or (enable_rtx and fb["type"] == "nack" and not fb["parameter"])
        ]
        params["codecs"].append(codec)
    params["headerExtensions"] = [ext for ext in consumable["headerExtensions"]
                                  if ext["uri"] not in (MID, ABS_SEND_TIME, TRANSPORT_CC)]
    base_ssrc, base_rtx = random_ssrc(), random_ssrc()
    for i, encoding in enumerate(clone(consumable["encodings"])):
        encoding["ssrc"] = base_ssrc + i
        if enable_rtx:
            encoding["rtx"] = {"ssrc": base_rtx + i}
        else:
            encoding.pop("rtx", None)
        params["encodings"].append(encoding)
    return params


def is_rtx_codec(codec: Dict) -> bool:
    return bool(re.match(r".+/rtx$", codec["mimeType"], re.IGNORECASE))


def match_codecs(a: Dict, b: Dict, *, strict: bool = False, modify: bool = False) -> bool:
    mime = a["mimeType"].lower()
    if mime != b["mimeType"].lower() or a["clockRate"] != b["clockRate"] or a.get("channels") != b.get("channels"):
        return False
    a_params, b_params = a.get("parameters", {}), b.get("parameters", {})
    if mime == "audio/multiopus":
        for key in ("num_streams", "coupled_streams"):
            if a_params.get(key) != b_params.get(key):
                return False
    elif mime in ("video/h264", "video/h264-svc") and strict:
        if (a_params.get("packetization-mode") or 0) != (b_params.get("packetization-mode") or 0):
            return False
        if not h264_profile.is_same_profile(a_params, b_params):
            return False
        try:
            selected = h264_profile.generate_profile_level_id_for_answer(a_params, b_params)
        except ValueError:
            return False
        if modify:
            if selected:
                a_params["profile-level-id"] = selected
            else:
                a_params.pop("profile-level-id", None)
    elif mime == "video/vp9" and strict:
        if (a_params.get("profile-id") or 0) != (b_params.get("profile-id") or 0):
            return False
    return True
