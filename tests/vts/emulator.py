"""A VTube Studio public-API emulator for tests, written from the official API README and Files/ErrorID.cs
(https://github.com/DenchiSoft/VTubeStudio). It deliberately shares no code or constants with ``vtbridge``.

It validates every request (envelope, requestID, messageType, data shapes), answers with the documented APIError
IDs, enforces authentication, keeps the default input parameters with their ranges, records injections with
timestamps, and can be told to deny, revoke tokens mid-stream, run with the API off, stall, send garbage, or
restart (close every connection and listen again on the same port). It runs its own event loop in a thread.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import math
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field

from PIL import Image
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

# ErrorID.cs
E_INTERNAL, E_API_OFF, E_JSON, E_API_NAME, E_API_VERSION, E_REQUEST_ID, E_TYPE_MISSING, E_TYPE_UNKNOWN, \
    E_NEEDS_AUTH = range(9)
E_DENIED, E_TOKEN_ONGOING, E_PLUGIN_NAME, E_DEVELOPER, E_ICON = 50, 51, 52, 53, 54
E_AUTH_TOKEN_MISSING, E_AUTH_NAME_MISSING, E_AUTH_DEVELOPER_MISSING = 100, 101, 102
E_CUSTOM_NAME, E_CUSTOM_VALUES, E_CUSTOM_OTHER_PLUGIN, E_CUSTOM_EXPLANATION, E_CUSTOM_DEFAULT_NAME, \
    E_CUSTOM_PLUGIN_LIMIT, E_CUSTOM_TOTAL_LIMIT = range(350, 357)
E_INJECT_NO_DATA, E_INJECT_VALUE, E_INJECT_WEIGHT, E_INJECT_NOT_FOUND, E_INJECT_CONTROLLED, \
    E_INJECT_MODE = range(450, 456)
E_PARAM_VALUE_NOT_FOUND = 500

#: Default input parameters (name: min, max, default), as VTS lists them for webcam/phone tracking.
DEFAULT_PARAMETERS: dict[str, tuple[float, float, float]] = {
    "FacePositionX": (-10, 10, 0), "FacePositionY": (-10, 10, 0), "FacePositionZ": (-10, 10, 0),
    "FaceAngleX": (-30, 30, 0), "FaceAngleY": (-30, 30, 0), "FaceAngleZ": (-90, 90, 0),
    "MouthSmile": (0, 1, 0), "MouthOpen": (0, 1, 0), "Brows": (0, 1, 0), "TongueOut": (0, 1, 0),
    "EyeOpenLeft": (0, 1, 0), "EyeOpenRight": (0, 1, 0), "EyeLeftX": (-1, 1, 0), "EyeLeftY": (-1, 1, 0),
    "EyeRightX": (-1, 1, 0), "EyeRightY": (-1, 1, 0), "CheekPuff": (0, 1, 0), "FaceAngry": (0, 1, 0),
    "BrowLeftY": (0, 1, 0), "BrowRightY": (0, 1, 0), "MouthX": (-1, 1, 0),
    "MousePositionX": (-1, 1, 0), "MousePositionY": (-1, 1, 0),
    "VoiceFrequency": (0, 1, 0), "VoiceVolume": (0, 1, 0), "VoiceVolumePlusMouthOpen": (0, 1, 0),
    "VoiceFrequencyPlusMouthSmile": (0, 1, 0),
}
NO_AUTH_NEEDED = {"APIStateRequest", "AuthenticationTokenRequest", "AuthenticationRequest"}
OTHER_TYPES = {  # real request types this emulator does not model (answered with an internal error)
    "StatisticsRequest", "VTSFolderInfoRequest", "CurrentModelRequest", "AvailableModelsRequest", "ModelLoadRequest",
    "MoveModelRequest", "HotkeysInCurrentModelRequest", "HotkeyTriggerRequest", "ExpressionStateRequest",
    "ExpressionActivationRequest", "ArtMeshListRequest", "ColorTintRequest", "SceneColorOverlayInfoRequest",
    "Live2DParameterListRequest", "GetCurrentModelPhysicsRequest", "SetCurrentModelPhysicsRequest",
    "NDIConfigRequest", "ItemListRequest", "ItemLoadRequest", "ItemUnloadRequest", "ItemAnimationControlRequest",
    "ItemMoveRequest", "ArtMeshSelectionRequest", "ItemPinRequest", "PermissionRequest", "EventSubscriptionRequest",
    "PostProcessingListRequest", "PostProcessingUpdateRequest", "ArtMeshListAtPositionRequest",
}
HANDLED_TYPES = {"APIStateRequest", "AuthenticationTokenRequest", "AuthenticationRequest", "FaceFoundRequest",
                 "InputParameterListRequest", "ParameterValueRequest", "ParameterCreationRequest",
                 "ParameterDeletionRequest", "InjectParameterDataRequest"}
_CUSTOM_NAME = re.compile(r"[A-Za-z0-9]{4,32}")
GARBAGE = ("this is not json {", json.dumps([1, 2, 3]), json.dumps({"apiName": "VTubeStudioPublicAPI"}),
           json.dumps({"messageType": "InjectParameterDataResponse", "requestID": "not-one-of-yours", "data": {}}),
           json.dumps({"messageType": "APIError", "requestID": "nope", "data": {"errorID": 453, "message": "x"}}),
           json.dumps({"messageType": "AuthenticationResponse", "requestID": 17, "data": "oops"}))


class Fault(Exception):
    def __init__(self, error_id: int, message: str):
        super().__init__(message)
        self.error_id, self.message = error_id, message


@dataclass
class Injection:
    t: float  # time.monotonic() when received
    conn: int
    face_found: bool
    mode: str
    values: dict[str, float]


@dataclass
class Conn:
    id: int
    plugin: tuple[str, str] | None = None  # (pluginName, pluginDeveloper) once authenticated
    revoked: bool = False
    ws: object = field(default=None, repr=False)


def _num(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _icon_ok(b64) -> bool:
    try:
        with Image.open(io.BytesIO(base64.b64decode(b64, validate=True))) as img:
            return img.format in ("PNG", "JPEG") and img.size == (128, 128)
    except Exception:
        return False


class VtsEmulator:
    """``with VtsEmulator(...) as vts: vts.url``; public attributes are the configuration and the records."""

    def __init__(self, *, deny: bool = False, api_enabled: bool = True, approve_delay: float = 0.0,
                 garbage: bool = False, other_plugin_params: tuple[str, ...] = ()):
        self.deny, self.api_enabled, self.approve_delay, self.garbage = deny, api_enabled, approve_delay, garbage
        self.stalled = False
        self.other_plugin_params = set(other_plugin_params)  # "set"-controlled by another plugin: 454
        self.tokens: dict[str, tuple[str, str]] = {}
        self.custom: dict[str, dict] = {}
        self.injections: list[Injection] = []
        self.requests: list[tuple[float, int, str]] = []  # (time, conn, messageType) of well-formed requests
        self.errors: list[tuple[int, str, int]] = []  # (conn, messageType, errorID) sent
        self.icons: list[str] = []
        self.port = 0
        self._control: dict[str, tuple[int, float]] = {}  # param -> (conn, last set time)
        self._conns: dict[int, Conn] = {}
        self._next_conn = 0
        self._token_popup = False
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="vts-emulator", daemon=True)
        self._server = None

    # -- lifecycle (test thread)
    def __enter__(self) -> "VtsEmulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> "VtsEmulator":
        self._thread.start()
        self._run(self._listen())
        return self

    def stop(self) -> None:
        self.stalled = False
        self._run(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(2.0)

    def restart(self, downtime: float = 0.3) -> None:
        """Close every connection and the listener, stay away ``downtime`` seconds, listen again on the same port."""
        self._run(self._close())
        time.sleep(downtime)
        self._run(self._listen())

    def revoke(self, plugin_name: str = "vtbridge") -> None:
        """The user revokes a plugin in VTS: its tokens die, its custom parameters are deleted and its live
        sessions get APIError 50 from then on."""
        def go():
            self.tokens = {t: p for t, p in self.tokens.items() if p[0] != plugin_name}
            for conn in self._conns.values():
                if conn.plugin and conn.plugin[0] == plugin_name:
                    conn.revoked, conn.plugin = True, None
            self.custom = {k: v for k, v in self.custom.items() if v["addedBy"] != plugin_name}
        self._call(go)

    def count(self, message_type: str) -> int:
        with self._lock:
            return sum(1 for _, _, t in self.requests if t == message_type)

    def injections_snapshot(self) -> list[Injection]:
        with self._lock:
            return list(self.injections)

    def _call(self, fn) -> None:
        """Run ``fn`` on the emulator loop and wait for it."""
        async def call():
            fn()
        self._run(call())

    def _run(self, coro, timeout: float = 5.0):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _listen(self) -> None:
        self._server = await serve(self._handler, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close(close_connections=True)
            await self._server.wait_closed()
            self._server = None
        self._control.clear()
        self._token_popup = False

    # -- server (emulator thread)
    async def _handler(self, ws) -> None:
        self._next_conn += 1
        conn = Conn(self._next_conn, ws=ws)
        self._conns[conn.id] = conn
        try:
            async for raw in ws:
                while self.stalled:
                    await asyncio.sleep(0.01)
                if self.garbage:
                    for junk in GARBAGE:
                        await ws.send(junk)
                await ws.send(json.dumps(await self._answer(raw, conn)))
        except ConnectionClosed:
            pass
        finally:
            self._conns.pop(conn.id, None)
            for name in [n for n, (c, _) in self._control.items() if c == conn.id]:
                del self._control[name]

    async def _answer(self, raw, conn: Conn) -> dict:
        request_id, message_type = str(uuid.uuid4()), "APIError"
        try:
            try:
                msg = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                msg = None
            if isinstance(msg, dict) and isinstance(msg.get("requestID"), str):
                request_id = msg["requestID"]
            if not self.api_enabled:
                raise Fault(E_API_OFF, "API access has been deactivated by the user.")
            if not isinstance(msg, dict):
                raise Fault(E_JSON, "JSON payload is invalid.")
            if msg.get("apiName") != "VTubeStudioPublicAPI":
                raise Fault(E_API_NAME, "apiName must be \"VTubeStudioPublicAPI\".")
            if msg.get("apiVersion") != "1.0":
                raise Fault(E_API_VERSION, "apiVersion must be \"1.0\".")
            rid = msg.get("requestID")
            if "requestID" in msg and not (isinstance(rid, str) and 1 <= len(rid) <= 64 and rid.isascii()):
                raise Fault(E_REQUEST_ID, "requestID must be 1 to 64 ASCII characters.")
            message_type = msg.get("messageType")
            if not isinstance(message_type, str) or not message_type:
                message_type = "APIError"
                raise Fault(E_TYPE_MISSING, "messageType is missing or empty.")
            if message_type not in HANDLED_TYPES | OTHER_TYPES:
                raise Fault(E_TYPE_UNKNOWN, f"Unknown messageType {message_type}.")
            with self._lock:
                self.requests.append((time.monotonic(), conn.id, message_type))
            if message_type not in NO_AUTH_NEEDED:
                if conn.revoked:
                    raise Fault(E_DENIED, "User has revoked API access for your plugin.")
                if conn.plugin is None:
                    raise Fault(E_NEEDS_AUTH, "This request requires authentication.")
            if message_type in OTHER_TYPES:
                raise Fault(E_INTERNAL, f"{message_type} is not modelled by this emulator.")
            data = msg.get("data")
            data = data if isinstance(data, dict) else {}
            handler = getattr(self, "_on_" + message_type.removesuffix("Request"))
            result = handler(data, conn)
            if asyncio.iscoroutine(result):
                result = await result
            response_type = message_type.removesuffix("Request") + "Response"
        except Fault as fault:
            with self._lock:
                self.errors.append((conn.id, message_type, fault.error_id))
            response_type, result = "APIError", {"errorID": fault.error_id, "message": fault.message}
        return {"apiName": "VTubeStudioPublicAPI", "apiVersion": "1.0", "timestamp": int(time.time() * 1000),
                "messageType": response_type, "requestID": request_id, "data": result}

    def _on_APIState(self, data, conn):
        return {"active": True, "vTubeStudioVersion": "1.28.0", "currentSessionAuthenticated": bool(conn.plugin)}

    async def _on_AuthenticationToken(self, data, conn):
        name, developer, icon = data.get("pluginName"), data.get("pluginDeveloper"), data.get("pluginIcon")
        if not (isinstance(name, str) and 3 <= len(name) <= 32):
            raise Fault(E_PLUGIN_NAME, "pluginName must be 3 to 32 characters.")
        if not (isinstance(developer, str) and 3 <= len(developer) <= 32):
            raise Fault(E_DEVELOPER, "pluginDeveloper must be 3 to 32 characters.")
        if icon is not None and not _icon_ok(icon):
            raise Fault(E_ICON, "pluginIcon must be a base64 PNG or JPG of exactly 128x128 pixels.")
        if icon is not None:
            self.icons.append(icon)
        if self._token_popup:
            raise Fault(E_TOKEN_ONGOING, "A token request popup is already being shown.")
        self._token_popup = True
        try:
            await asyncio.sleep(self.approve_delay)  # the user reads the popup
        finally:
            self._token_popup = False
        if self.deny:
            raise Fault(E_DENIED, "User has denied API access for your plugin.")
        token = secrets.token_hex(32)
        self.tokens[token] = (name, developer)
        return {"authenticationToken": token}

    def _on_Authentication(self, data, conn):
        token, name, developer = (data.get(k) for k in ("authenticationToken", "pluginName", "pluginDeveloper"))
        if not isinstance(token, str) or not token:
            raise Fault(E_AUTH_TOKEN_MISSING, "authenticationToken is missing.")
        if not isinstance(name, str) or not name:
            raise Fault(E_AUTH_NAME_MISSING, "pluginName is missing.")
        if not isinstance(developer, str) or not developer:
            raise Fault(E_AUTH_DEVELOPER_MISSING, "pluginDeveloper is missing.")
        ok = self.tokens.get(token) == (name, developer)
        conn.plugin, conn.revoked = ((name, developer), False) if ok else (None, conn.revoked)
        return {"authenticated": ok, "reason": "Token valid. The plugin is authenticated for the duration of this "
                                              "session." if ok else "Token invalid or revoked."}

    def _on_FaceFound(self, data, conn):
        return {"found": any(time.monotonic() - t < 1.0 for _, t in self._control.values())}

    def _param(self, name: str) -> dict | None:
        if name in DEFAULT_PARAMETERS:
            lo, hi, default = DEFAULT_PARAMETERS[name]
            return {"name": name, "addedBy": "VTube Studio", "value": 0.0, "min": lo, "max": hi,
                    "defaultValue": default}
        return self.custom.get(name)

    def _on_InputParameterList(self, data, conn):
        return {"modelLoaded": True, "modelName": "Emulated Model", "modelID": "emulated-model-1",
                "customParameters": [dict(p) for p in self.custom.values()],
                "defaultParameters": [self._param(n) for n in DEFAULT_PARAMETERS]}

    def _on_ParameterValue(self, data, conn):
        param = self._param(data.get("name")) if isinstance(data.get("name"), str) else None
        if param is None:
            raise Fault(E_PARAM_VALUE_NOT_FOUND, f"Parameter {data.get('name')} not found.")
        return dict(param)

    def _on_ParameterCreation(self, data, conn):
        name = data.get("parameterName")
        if not (isinstance(name, str) and _CUSTOM_NAME.fullmatch(name)):
            raise Fault(E_CUSTOM_NAME, "parameterName must be 4 to 32 alphanumeric characters.")
        values = [data.get(k) for k in ("min", "max", "defaultValue")]
        if not all(_num(v) and abs(v) <= 1_000_000 for v in values):
            raise Fault(E_CUSTOM_VALUES, "min, max and defaultValue must be numbers between -1000000 and 1000000.")
        explanation = data.get("explanation", "")
        if not isinstance(explanation, str) or len(explanation) >= 256:
            raise Fault(E_CUSTOM_EXPLANATION, "explanation must be shorter than 256 characters.")
        if name in DEFAULT_PARAMETERS:
            raise Fault(E_CUSTOM_DEFAULT_NAME, f"{name} is the name of a default parameter.")
        plugin = conn.plugin[0]
        existing = self.custom.get(name)
        if existing is not None and existing["addedBy"] != plugin:
            raise Fault(E_CUSTOM_OTHER_PLUGIN, f"Parameter {name} was created by another plugin.")
        if existing is None and sum(p["addedBy"] == plugin for p in self.custom.values()) >= 100:
            raise Fault(E_CUSTOM_PLUGIN_LIMIT, "A plugin may create at most 100 custom parameters.")
        if existing is None and len(self.custom) >= 300:
            raise Fault(E_CUSTOM_TOTAL_LIMIT, "VTube Studio allows at most 300 custom parameters.")
        self.custom[name] = {"name": name, "addedBy": plugin, "value": values[2], "min": values[0],
                             "max": values[1], "defaultValue": values[2], "explanation": explanation}
        return {"parameterName": name}

    def _on_ParameterDeletion(self, data, conn):
        name = data.get("parameterName")
        if not isinstance(name, str) or not name:
            raise Fault(400, "parameterName is invalid.")
        if name in DEFAULT_PARAMETERS:
            raise Fault(403, "Default parameters cannot be deleted.")
        if name not in self.custom:
            raise Fault(401, f"Parameter {name} not found.")
        if self.custom[name]["addedBy"] != conn.plugin[0]:
            raise Fault(402, f"Parameter {name} was created by another plugin.")
        del self.custom[name]
        return {"parameterName": name}

    def _on_InjectParameterData(self, data, conn):
        mode = data.get("mode", "set")
        if mode is None:
            mode = "set"
        if mode not in ("set", "add"):
            raise Fault(E_INJECT_MODE, "mode must be \"set\" or \"add\".")
        entries = data.get("parameterValues")
        if not isinstance(entries, list) or not entries:
            raise Fault(E_INJECT_NO_DATA, "parameterValues is missing or empty.")
        now, values = time.monotonic(), {}
        for entry in entries:
            pid = entry.get("id") if isinstance(entry, dict) else None
            value = entry.get("value") if isinstance(entry, dict) else None
            if not isinstance(pid, str) or not _num(value) or abs(value) > 1_000_000:
                raise Fault(E_INJECT_VALUE, f"Value for parameter {pid} is invalid.")
            weight = entry.get("weight", 1.0)
            if not (_num(weight) and 0 <= weight <= 1):
                raise Fault(E_INJECT_WEIGHT, f"Weight for parameter {pid} must be between 0 and 1.")
            if self._param(pid) is None:
                raise Fault(E_INJECT_NOT_FOUND, f"Parameter {pid} not found.")
            if mode == "set":
                owner = self._control.get(pid)
                if pid in self.other_plugin_params or (owner and owner[0] != conn.id and now - owner[1] < 1.0):
                    raise Fault(E_INJECT_CONTROLLED, f"Parameter {pid} is currently controlled by another plugin.")
            values[pid] = float(value)
        if mode == "set":
            for pid in values:
                self._control[pid] = (conn.id, now)
        with self._lock:
            self.injections.append(Injection(now, conn.id, data.get("faceFound") is True, mode, values))
        return {}
