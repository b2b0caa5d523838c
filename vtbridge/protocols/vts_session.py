"""The VTube Studio plugin session, sans I/O: a state machine that sequences the messages of ``vts_messages``.

``Session`` is fed with events (connected, a received text, a frame, the clock) and returns effects
(``Send``, ``SaveToken``, ``Notice``, ``Drop``) for a driver to carry out; it never touches sockets, files or clocks.
States: disconnected -> connecting -> awaiting token -> authenticating -> streaming, plus denied and error.
"""

from __future__ import annotations

import enum
import json
import math
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from vtbridge.protocols.vts_messages import (
    CUSTOM_NAME_RULE,
    MAX_CUSTOM_PARAMETERS,
    PLUGIN_NAME,
    ErrorId,
    Parameter,
    ProtocolError,
    Response,
    authentication_request,
    inject_request,
    parameter_creation_request,
    parameter_list_request,
    parse_parameter_list,
    parse_response,
    token_request,
    valid_custom_name,
)
from vtbridge.protocols.vts_offsets import offsets

KEEPALIVE_S = 0.5  # VTS drops control of a parameter not refreshed within 1 s
STALE_FRAME_S = 1.0  # no new frame for this long: report the face as lost
INFLIGHT_LIMIT = 8  # unanswered injections before we hold off
INFLIGHT_EXPIRE_S = 5.0
TOKEN_RETRY_S = 2.0  # after "a popup is already open" (51)


class State(str, enum.Enum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    AWAITING_TOKEN = "awaiting token"
    AUTHENTICATING = "authenticating"
    STREAMING = "streaming"
    DENIED = "denied"
    ERROR = "error"


@dataclass(frozen=True)
class Send:
    message: dict

    def text(self) -> str:
        return json.dumps(self.message, separators=(",", ":"))


@dataclass(frozen=True)
class SaveToken:
    token: str | None  # None: forget the stored token


@dataclass(frozen=True)
class Notice:
    text: str
    error: bool = True


@dataclass(frozen=True)
class Drop:
    """Close the connection; the driver reconnects unless ``Session.terminal``."""

    reason: str


@dataclass
class _Plan:
    index: np.ndarray  # positions in the frame's names
    ids: list[str]
    lo: np.ndarray
    hi: np.ndarray
    default: np.ndarray
    neutral: np.ndarray  # each parameter's value at the neutral face (add mode sends offsets from it)


@dataclass
class _Pending:
    kind: str  # token | auth | list | create | inject
    sent_at: float
    extra: tuple = field(default_factory=tuple)


class Session:
    """One plugin's view of VTube Studio across connections; see the module docstring."""

    def __init__(self, *, developer: str, plugin_name: str = PLUGIN_NAME, token: str | None = None,
                 icon: Callable[[], str] = lambda: "", mode: str = "set", rate: float = 60.0,
                 custom_ranges: dict[str, tuple[float, float, float]] | None = None,
                 neutral: dict[str, float] | None = None):
        if mode not in ("set", "add"):
            raise ValueError(f"mode must be 'set' or 'add', not {mode!r}")
        if not rate > 0:
            raise ValueError("rate must be > 0")
        self.plugin_name, self.developer, self.mode = plugin_name, developer, mode
        self.min_interval = 1.0 / rate
        self.token = token or None
        self.state = State.DISCONNECTED
        self.auth = "token stored" if self.token else "no token"
        self.last_error: str | None = None
        self.api_off = False
        self.injections = 0
        self._icon = icon
        self._custom_ranges = dict(custom_ranges or {})
        self._neutral = dict(neutral or {})  # add mode: profile outputs at the neutral face (vts_offsets)
        self._fresh_token = False  # issued in this run, not yet accepted by an AuthenticationRequest
        self._reasked = False  # asked for a new token since the last successful authentication
        self._noted: set[str] = set()
        self._next_id = 0
        self._sample: tuple[tuple[str, ...], np.ndarray, bool, float] | None = None
        self._sample_new = False
        self._reset_connection()

    @property
    def terminal(self) -> bool:
        """Denied or a fatal error: stop connecting until the user restarts vtbridge."""
        return self.state in (State.DENIED, State.ERROR) and not self.api_off

    @property
    def controlled(self) -> int:
        """How many parameters the current frame layout drives (safe to read from another thread)."""
        sample = self._sample
        plan = self._plans.get(sample[0]) if sample else None
        return len(plan.ids) if plan else 0

    def _reset_connection(self) -> None:
        self._pending: dict[str, _Pending] = {}
        self.params: dict[str, Parameter] = {}
        self._plans: dict[tuple[str, ...], _Plan] = {}
        self._creating: set[str] = set()
        self._skipped: set[str] = set()
        self._last_inject = self._hold_until = -math.inf
        self._token_retry_at: float | None = None

    # -- helpers
    def note(self, text: str, key: str | None = None, error: bool = True) -> list:
        """A one-line notice, reported once per ``key`` (default: the text) until ``forget`` clears it."""
        if error:
            self.last_error = text
        if (key or text) in self._noted:
            return []
        self._noted.add(key or text)
        return [Notice(text, error)]

    def forget(self, key: str) -> None:
        self._noted.discard(key)

    def _send(self, kind: str, build, now: float, *args, extra: tuple = (), **kwargs) -> Send:
        self._next_id += 1
        rid = f"vtb-{kind}-{self._next_id}"
        self._pending[rid] = _Pending(kind, now, extra)
        return Send(build(rid, *args, **kwargs))

    def _ask_token(self, now: float) -> list:
        self.state, self.auth = State.AWAITING_TOKEN, "awaiting approval"
        return [self._send("token", token_request, now, self.plugin_name, self.developer, self._icon())]

    def _fail(self, state: State, text: str) -> list:
        self.state = state
        self._pending.clear()
        return self.note(text) + [Drop(text)]

    # -- connection events
    def connecting(self) -> None:
        if not self.terminal and not self.api_off:
            self.state = State.CONNECTING

    def connected(self, now: float) -> list:
        self._reset_connection()
        self.forget("unreachable")
        if self.token:
            self.state, self.auth = State.AUTHENTICATING, "authenticating"
            return [self._send("auth", authentication_request, now, self.plugin_name, self.developer, self.token)]
        return self._ask_token(now)

    def disconnected(self) -> None:
        if not self.terminal and not self.api_off:
            self.state = State.DISCONNECTED
        self._pending.clear()

    # -- frames and the clock
    def offer(self, names: tuple[str, ...], values: np.ndarray, face_found: bool, now: float) -> None:
        """The newest frame; it replaces any frame not yet injected."""
        self._sample, self._sample_new = (tuple(names), values, bool(face_found), now), True

    def next_wakeup(self) -> float | None:
        if self.state is State.AWAITING_TOKEN:
            return self._token_retry_at
        if self.state is not State.STREAMING or self._sample is None:
            return None
        due = self._last_inject + (self.min_interval if self._sample_new else KEEPALIVE_S)
        return max(due, self._hold_until)

    def poll(self, now: float) -> list:
        """Injections that are due: a new frame at most ``rate`` times a second, a keep-alive every 0.5 s."""
        if self.state is State.AWAITING_TOKEN and self._token_retry_at is not None and now >= self._token_retry_at:
            self._token_retry_at = None
            return self._ask_token(now)
        if self.state is not State.STREAMING or self._sample is None:
            return []
        for rid in [r for r, p in self._pending.items() if now - p.sent_at > INFLIGHT_EXPIRE_S]:
            del self._pending[rid]
        if sum(p.kind == "inject" for p in self._pending.values()) >= INFLIGHT_LIMIT:
            self._hold_until = now + self.min_interval  # VTS is behind: look again shortly, don't spin
            return []
        since = now - self._last_inject
        if not (self._sample_new and since >= self.min_interval) and since < KEEPALIVE_S:
            return []
        names, values, found, t = self._sample
        effects, plan = self._plan(names, now)
        self._sample_new = False
        if not plan.ids:
            self._hold_until = now + self.min_interval
            return effects
        v = np.asarray(values, dtype=np.float64)[plan.index]
        v = np.clip(np.where(np.isfinite(v), v, plan.default), plan.lo, plan.hi)
        if self.mode == "add":
            v = offsets(v, plan.neutral, plan.lo, plan.hi)
        pairs = [(name, round(float(x), 6)) for name, x in zip(plan.ids, v)]
        found = found and now - t < STALE_FRAME_S
        self._last_inject = now
        self.injections += 1
        effects.append(self._send("inject", inject_request, now, pairs, face_found=found, mode=self.mode,
                                  extra=tuple(plan.ids)))
        return effects

    def _plan(self, names: tuple[str, ...], now: float) -> tuple[list, _Plan]:
        plan = self._plans.get(names)
        if plan is not None:
            return [], plan
        effects, index, params = [], [], []
        ours = sum(p.custom and p.added_by == self.plugin_name for p in self.params.values()) + len(self._creating)
        for i, name in enumerate(names):
            p = self.params.get(name)
            if name in self._skipped or name in self._creating or name in names[:i]:
                continue
            if p is not None:
                index.append(i)
                params.append(p)
            elif not valid_custom_name(name):
                self._skipped.add(name)
                effects += self.note(f"VTS: profile output {name!r} cannot be a custom parameter (names must be "
                                     f"{CUSTOM_NAME_RULE}); rename it in the profile", key=f"name:{name}")
            elif ours >= MAX_CUSTOM_PARAMETERS:
                self._skipped.add(name)
                effects += self.note(f"VTS: custom parameter {name} skipped: VTube Studio allows at most "
                                     f"{MAX_CUSTOM_PARAMETERS} per plugin; remove outputs from the profile",
                                     key=f"limit:{name}")
            else:
                ours += 1
                self._creating.add(name)
                lo, hi, default = self._custom_ranges.get(name, (0.0, 1.0, 0.0))
                effects.append(self._send("create", parameter_creation_request, now, name, minimum=lo,
                                          maximum=hi, default=default, extra=(name, lo, hi, default),
                                          explanation=f"Created by {self.plugin_name} from its mapping profile."))
        plan = _Plan(np.array(index, dtype=np.intp), [p.name for p in params],
                     np.array([p.minimum for p in params]), np.array([p.maximum for p in params]),
                     np.array([min(max(p.default, p.minimum), p.maximum) for p in params]),
                     np.array([min(max(self._neutral.get(p.name, 0.0), p.minimum), p.maximum) for p in params]))
        self._plans[names] = plan
        return effects, plan

    # -- responses
    def receive(self, text: str | bytes, now: float) -> list:
        """Handle one server message; malformed or unexpected messages are noted once and otherwise ignored."""
        try:
            resp = parse_response(text)
        except ProtocolError as exc:
            return self.note(f"VTS: ignored a malformed message from VTube Studio ({exc})", key="malformed",
                             error=False)
        pending = self._pending.pop(resp.request_id, None) if resp.request_id else None
        err = resp.error_id
        if pending is None and err != ErrorId.API_ACCESS_DEACTIVATED:
            return []  # events, broadcasts, stale or foreign responses
        if err == ErrorId.API_ACCESS_DEACTIVATED:
            self.api_off = True
            return self._fail(State.ERROR, "VTube Studio's plugin API is off: enable \"Allow Plugin API access\" "
                                           "in VTS settings (General settings), vtbridge retries every few seconds")
        self.api_off = False
        handler = {"token": self._on_token, "auth": self._on_auth, "list": self._on_list,
                   "create": self._on_create, "inject": self._on_inject}[pending.kind]
        if pending.kind not in ("token", "auth") and err in (ErrorId.TOKEN_REQUEST_DENIED,
                                                             ErrorId.REQUIRES_AUTHENTICATION):
            return self._revoked(now) if self.state in (State.STREAMING, State.AUTHENTICATING) else []
        return handler(resp, pending, now)

    def _on_token(self, resp: Response, pending: _Pending, now: float) -> list:
        err = resp.error_id
        if err == ErrorId.TOKEN_REQUEST_DENIED:
            self.auth = "denied"
            return self._fail(State.DENIED, "VTS: you denied vtbridge in VTube Studio; restart vtbridge and click "
                                            "Allow in the VTS popup to use the VTube Studio output")
        if err == ErrorId.TOKEN_REQUEST_ONGOING:
            self._token_retry_at = now + TOKEN_RETRY_S
            return self.note("VTS: an approval popup is already open in VTube Studio; click Allow there",
                             key="ongoing", error=False)
        if err is not None:
            return self._fail(State.ERROR, f"VTS refused vtbridge's token request ({err}: {resp.error_message}); "
                                           "please report this")
        token = resp.data.get("authenticationToken")
        if not isinstance(token, str) or not token:
            return self.note("VTS: token response without a token; reconnecting", key="malformed-token") + [
                Drop("token response without a token")]
        self.token, self._fresh_token = token, True
        self.state, self.auth = State.AUTHENTICATING, "authenticating"
        return [SaveToken(token),
                self._send("auth", authentication_request, now, self.plugin_name, self.developer, token)]

    def _on_auth(self, resp: Response, pending: _Pending, now: float) -> list:
        if resp.error_id is not None:
            return self._fail(State.ERROR, f"VTS refused authentication ({resp.error_id}: {resp.error_message}); "
                                           "please report this")
        ok = resp.data.get("authenticated")
        if ok is True:
            self.auth, self._fresh_token, self._reasked = "authenticated", False, False
            return [self._send("list", parameter_list_request, now)]
        if ok is not False:
            return self.note("VTS: authentication response without a result; reconnecting",
                             key="malformed-auth") + [Drop("authentication response without a result")]
        if self._fresh_token:
            self.auth = "refused"
            return self._fail(State.ERROR, "VTS rejected the token it just issued to vtbridge; restart VTube "
                                           "Studio and vtbridge")
        return self._revoked(now, "VTube Studio no longer accepts vtbridge's saved token")

    def _revoked(self, now: float, why: str = "VTube Studio revoked vtbridge's access") -> list:
        """Forget the token and ask the user once; a second failure in a row stops (no popup loops)."""
        self.token = None
        self._pending.clear()
        self._plans.clear()
        if self._reasked:
            self.auth = "refused"
            return [SaveToken(None)] + self._fail(State.ERROR, f"VTS: {why} again; restart vtbridge to ask again")
        self._reasked = True
        return ([SaveToken(None)] + self.note(f"VTS: {why}: click Allow in the VTube Studio popup to let vtbridge "
                                              "control your model again", key="reask")
                + self._ask_token(now))

    def _on_list(self, resp: Response, pending: _Pending, now: float) -> list:
        if resp.error_id is not None:
            return self.note(f"VTS: parameter list failed ({resp.error_id}: {resp.error_message}); reconnecting",
                             key="list") + [Drop("parameter list failed")]
        self.params = parse_parameter_list(resp.data)
        self._plans.clear()
        self.state, self.last_error = State.STREAMING, None
        self._last_inject = -math.inf
        return []

    def _on_create(self, resp: Response, pending: _Pending, now: float) -> list:
        name, lo, hi, default = pending.extra
        self._creating.discard(name)
        self._plans.clear()
        if resp.error_id is not None:
            self._skipped.add(name)
            return self.note(f"VTS: could not create custom parameter {name} ({resp.error_id}: "
                             f"{resp.error_message}); it is skipped", key=f"create:{name}")
        self.params[name] = Parameter(name, lo, hi, default, self.plugin_name, True)
        return []

    def _on_inject(self, resp: Response, pending: _Pending, now: float) -> list:
        err = resp.error_id
        if err is None:
            return []
        message = resp.error_message
        hits = [n for n in pending.extra if re.search(rf"(?<![A-Za-z0-9]){re.escape(n)}(?![A-Za-z0-9])", message)]
        if not hits:
            return self.note(f"VTS rejected parameter data ({err}: {message})", key=f"inject:{err}")
        name = max(hits, key=len)
        self._skipped.add(name)
        self._plans.clear()
        why = {ErrorId.INJECT_PARAM_CONTROLLED: "is controlled by another plugin",
               ErrorId.INJECT_PARAM_NOT_FOUND: "does not exist in VTube Studio"}.get(err, f"was rejected ({message})")
        return self.note(f"VTS: parameter {name} {why}; vtbridge stops sending it until it reconnects",
                         key=f"inject:{err}:{name}")
