"""VTube Studio public API, sans I/O: the one import callers need (``from vtbridge.protocols import vts``).

The code lives in two modules, re-exported here so callers don't depend on the split:
``vts_messages`` (constants, request builders, response/APIError and UDP broadcast parsers, address parsing) and
``vts_session`` (``Session``, the plugin's connection state machine, with its states and effects).
Reference: https://github.com/DenchiSoft/VTubeStudio (README, Files/ErrorID.cs).
"""

from __future__ import annotations

from vtbridge.protocols.vts_messages import (
    API_NAME,
    API_VERSION,
    CUSTOM_NAME_RULE,
    DEFAULT_PORT,
    DISCOVERY_PORT,
    MAX_CUSTOM_PARAMETERS,
    PLUGIN_NAME,
    VALUE_LIMIT,
    Discovery,
    ErrorId,
    Parameter,
    ProtocolError,
    Response,
    api_url,
    authentication_request,
    inject_request,
    parameter_creation_request,
    parameter_list_request,
    parse_discovery,
    parse_parameter_list,
    parse_response,
    request,
    token_request,
    valid_custom_name,
)
from vtbridge.protocols.vts_session import (
    INFLIGHT_EXPIRE_S,
    INFLIGHT_LIMIT,
    KEEPALIVE_S,
    STALE_FRAME_S,
    TOKEN_RETRY_S,
    Drop,
    Notice,
    SaveToken,
    Send,
    Session,
    State,
)

__all__ = [
    # messages
    "API_NAME", "API_VERSION", "DEFAULT_PORT", "DISCOVERY_PORT", "PLUGIN_NAME", "VALUE_LIMIT",
    "MAX_CUSTOM_PARAMETERS", "CUSTOM_NAME_RULE", "ErrorId", "ProtocolError",
    "request", "token_request", "authentication_request", "parameter_list_request", "parameter_creation_request",
    "inject_request", "Response", "parse_response", "Parameter", "parse_parameter_list", "api_url",
    "valid_custom_name", "Discovery", "parse_discovery",
    # session
    "KEEPALIVE_S", "STALE_FRAME_S", "INFLIGHT_LIMIT", "INFLIGHT_EXPIRE_S", "TOKEN_RETRY_S",
    "State", "Send", "SaveToken", "Notice", "Drop", "Session",
]
