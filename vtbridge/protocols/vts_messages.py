"""VTube Studio public API messages, sans I/O: constants, request builders, response and broadcast parsers.

Everything here is a pure function of its arguments; the connection logic that sequences these messages lives in
``vts_session``. Reference: https://github.com/DenchiSoft/VTubeStudio (README, Files/ErrorID.cs).
"""

from __future__ import annotations

import enum
import json
import math
import re
from dataclasses import dataclass

API_NAME = "VTubeStudioPublicAPI"
API_VERSION = "1.0"
DEFAULT_PORT = 8001
DISCOVERY_PORT = 47779
PLUGIN_NAME = "vtbridge"
VALUE_LIMIT = 1_000_000.0  # |value| accepted by InjectParameterDataRequest and ParameterCreationRequest
MAX_CUSTOM_PARAMETERS = 100  # per plugin
CUSTOM_NAME_RULE = "4-32 letters or digits, no spaces"
_CUSTOM_NAME = re.compile(r"[A-Za-z0-9]{4,32}")


class ErrorId(enum.IntEnum):
    """The APIError IDs this client reacts to (Files/ErrorID.cs)."""

    API_ACCESS_DEACTIVATED = 1
    REQUIRES_AUTHENTICATION = 8
    TOKEN_REQUEST_DENIED = 50
    TOKEN_REQUEST_ONGOING = 51
    INJECT_PARAM_NOT_FOUND = 453
    INJECT_PARAM_CONTROLLED = 454


class ProtocolError(ValueError):
    """A message that is not a VTube Studio API response."""


# --- requests -------------------------------------------------------------------------------------------------

def request(message_type: str, request_id: str, data: dict | None = None) -> dict:
    """The envelope every request carries; ``request_id`` is 1-64 ASCII characters."""
    if not (1 <= len(request_id) <= 64 and request_id.isascii()):
        raise ValueError(f"requestID must be 1-64 ASCII characters, got {request_id!r}")
    msg = {"apiName": API_NAME, "apiVersion": API_VERSION, "requestID": request_id, "messageType": message_type}
    if data is not None:
        msg["data"] = data
    return msg


def token_request(request_id: str, plugin_name: str, developer: str, icon_b64: str = "") -> dict:
    data = {"pluginName": plugin_name, "pluginDeveloper": developer}
    if icon_b64:
        data["pluginIcon"] = icon_b64
    return request("AuthenticationTokenRequest", request_id, data)


def authentication_request(request_id: str, plugin_name: str, developer: str, token: str) -> dict:
    return request("AuthenticationRequest", request_id,
                   {"pluginName": plugin_name, "pluginDeveloper": developer, "authenticationToken": token})


def parameter_list_request(request_id: str) -> dict:
    return request("InputParameterListRequest", request_id)


def parameter_creation_request(request_id: str, name: str, *, minimum: float, maximum: float, default: float,
                               explanation: str = "") -> dict:
    data = {"parameterName": name, "min": minimum, "max": maximum, "defaultValue": default}
    if explanation:
        data["explanation"] = explanation[:255]
    return request("ParameterCreationRequest", request_id, data)


def inject_request(request_id: str, values: list[tuple[str, float]], *, face_found: bool, mode: str = "set") -> dict:
    return request("InjectParameterDataRequest", request_id, {
        "faceFound": bool(face_found), "mode": mode,
        "parameterValues": [{"id": name, "value": value} for name, value in values]})


# --- responses ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Response:
    message_type: str
    request_id: str | None
    data: dict

    @property
    def error_id(self) -> int | None:
        if self.message_type != "APIError":
            return None
        value = self.data.get("errorID")
        return value if isinstance(value, int) and not isinstance(value, bool) else -1

    @property
    def error_message(self) -> str:
        return str(self.data.get("message", "")).strip()


def parse_response(text: str | bytes) -> Response:
    """Parse one server message; unknown fields are ignored, a missing or null ``data`` becomes ``{}``."""
    try:
        msg = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError("not JSON") from exc
    if not isinstance(msg, dict):
        raise ProtocolError("not a JSON object")
    message_type = msg.get("messageType")
    if not isinstance(message_type, str) or not message_type:
        raise ProtocolError("no messageType")
    data = msg.get("data")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ProtocolError(f"{message_type}: data is not an object")
    request_id = msg.get("requestID")
    return Response(message_type, request_id if isinstance(request_id, str) else None, data)


@dataclass(frozen=True)
class Parameter:
    """An input (tracking) parameter VTS knows: a default one or a plugin's custom one."""

    name: str
    minimum: float
    maximum: float
    default: float = 0.0
    added_by: str = ""
    custom: bool = False


def _number(value, fallback: float) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else fallback


def parse_parameter_list(data: dict) -> dict[str, Parameter]:
    """Parameters of an InputParameterListResponse by name; malformed entries are skipped."""
    params: dict[str, Parameter] = {}
    for key, custom in (("defaultParameters", False), ("customParameters", True)):
        entries = data.get(key)
        for entry in entries if isinstance(entries, list) else ():
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                continue
            lo, hi = _number(entry.get("min"), -VALUE_LIMIT), _number(entry.get("max"), VALUE_LIMIT)
            if lo > hi:
                lo, hi = hi, lo
            params[entry["name"]] = Parameter(entry["name"], lo, hi, _number(entry.get("defaultValue"), 0.0),
                                              str(entry.get("addedBy", "")), custom)
    return params


def api_url(spec: str | int) -> str:
    """``ws://host:port`` from a URL, ``host:port``, a port number, or ``auto`` (kept as is: UDP discovery)."""
    spec = str(spec).strip()
    if spec == "auto" or spec.startswith(("ws://", "wss://")):
        return spec
    if "://" in spec:
        raise ValueError(f"VTube Studio URL must start with ws://, got {spec!r} (e.g. ws://localhost:8001)")
    if spec.isdigit():
        return f"ws://localhost:{spec}"
    return f"ws://{spec or 'localhost'}" if ":" in spec else f"ws://{spec or 'localhost'}:{DEFAULT_PORT}"


def valid_custom_name(name: str) -> bool:
    return bool(_CUSTOM_NAME.fullmatch(name))


@dataclass(frozen=True)
class Discovery:
    """One ``VTubeStudioAPIStateBroadcast`` (sent on UDP 47779 every 2 s, even with the API off)."""

    port: int
    active: bool
    instance_id: str = ""
    window_title: str = ""


def parse_discovery(datagram: bytes) -> Discovery | None:
    """The broadcast's content, or None for anything else."""
    try:
        resp = parse_response(datagram)
    except ProtocolError:
        return None
    port = resp.data.get("port")
    if resp.message_type != "VTubeStudioAPIStateBroadcast" or not isinstance(port, int) or not 0 < port < 65536:
        return None
    return Discovery(port, resp.data.get("active") is True, str(resp.data.get("instanceID", "")),
                     str(resp.data.get("windowTitle", "")))

