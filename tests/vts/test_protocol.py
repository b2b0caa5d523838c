"""The sans-I/O VTube Studio layer: builders, parsers and the session state machine, with a fake clock."""

from __future__ import annotations

import base64
import io
import json
import math

import numpy as np
import pytest
from PIL import Image

from vtbridge.outputs.vts_icon import icon_base64
from vtbridge.protocols import vts
from vtbridge.protocols.vts import Drop, Notice, SaveToken, Send, Session, State

NAMES = ("FaceAngleX", "MouthOpen", "EyeOpenLeft")
PARAMS = {"defaultParameters": [
    {"name": "FaceAngleX", "addedBy": "VTube Studio", "value": 0, "min": -30, "max": 30, "defaultValue": 0},
    {"name": "MouthOpen", "addedBy": "VTube Studio", "value": 0, "min": 0, "max": 1, "defaultValue": 0},
    {"name": "EyeOpenLeft", "addedBy": "VTube Studio", "value": 0, "min": 0, "max": 1, "defaultValue": 0.5},
], "customParameters": []}


def sent(effects) -> list[dict]:
    return [e.message for e in effects if isinstance(e, Send)]


def reply(msg: dict, data: dict | None = None, error: tuple[int, str] | None = None) -> str:
    body = {"apiName": vts.API_NAME, "apiVersion": "1.0", "timestamp": 1, "requestID": msg["requestID"],
            "messageType": msg["messageType"].replace("Request", "Response"), "data": data or {}, "extra": [1]}
    if error:
        body.update(messageType="APIError", data={"errorID": error[0], "message": error[1]})
    return json.dumps(body)


def streaming(token: str | None = "tok", params: dict = PARAMS, **options) -> Session:
    """A session driven through authentication to streaming at t=0."""
    s = Session(developer="tests", token=token, **options)
    (msg,) = sent(s.connected(0.0))
    if token is None:
        effects = s.receive(reply(msg, {"authenticationToken": "new"}), 0.0)
        (msg,) = sent(effects)
    (msg,) = sent(s.receive(reply(msg, {"authenticated": True, "reason": "ok"}), 0.0))
    assert msg["messageType"] == "InputParameterListRequest"
    assert s.receive(reply(msg, params), 0.0) == []
    assert s.state is State.STREAMING
    return s


def inject(s: Session, values, now: float, found: bool = True) -> list:
    s.offer(NAMES, np.array(values, dtype=np.float32), found, now)
    return s.poll(now)


# --- builders and parsers -------------------------------------------------------------------------------------

def test_request_envelope_and_request_id_rules():
    msg = vts.inject_request("id-1", [("FaceAngleX", 1.5)], face_found=True, mode="add")
    assert msg == {"apiName": "VTubeStudioPublicAPI", "apiVersion": "1.0", "requestID": "id-1",
                   "messageType": "InjectParameterDataRequest",
                   "data": {"faceFound": True, "mode": "add", "parameterValues": [{"id": "FaceAngleX", "value": 1.5}]}}
    assert "data" not in vts.parameter_list_request("x")
    for bad in ("", "x" * 65, "é"):
        with pytest.raises(ValueError):
            vts.request("APIStateRequest", bad)
    assert vts.request("APIStateRequest", "x" * 64)["requestID"] == "x" * 64


def test_token_and_auth_requests_carry_plugin_identity_and_icon():
    msg = vts.token_request("a", "vtbridge", "dev team", icon_base64())
    assert msg["data"]["pluginName"] == "vtbridge" and msg["data"]["pluginDeveloper"] == "dev team"
    with Image.open(io.BytesIO(base64.b64decode(msg["data"]["pluginIcon"]))) as img:
        assert (img.format, img.size) == ("PNG", (128, 128))
    auth = vts.authentication_request("b", "vtbridge", "dev team", "tok")
    assert auth["data"] == {"pluginName": "vtbridge", "pluginDeveloper": "dev team", "authenticationToken": "tok"}


def test_parse_response_tolerates_unknown_fields_and_missing_data():
    r = vts.parse_response('{"messageType": "X", "requestID": "1", "whatever": {"a": 1}}')
    assert (r.message_type, r.request_id, r.data, r.error_id) == ("X", "1", {}, None)
    err = vts.parse_response('{"messageType": "APIError", "data": {"errorID": 8, "message": " no "}}')
    assert (err.error_id, err.error_message, err.request_id) == (8, "no", None)
    for bad in ("nope", "[1]", '{"data": {}}', '{"messageType": "X", "data": "str"}'):
        with pytest.raises(vts.ProtocolError):
            vts.parse_response(bad)


def test_parse_parameter_list_keeps_ranges_and_skips_junk():
    data = dict(PARAMS, customParameters=[{"name": "MyParam", "addedBy": "p", "min": 5, "max": -5},
                                          {"min": 0}, "junk", {"name": "NoRange"}])
    params = vts.parse_parameter_list(data)
    assert params["FaceAngleX"] == vts.Parameter("FaceAngleX", -30, 30, 0, "VTube Studio", False)
    assert (params["MyParam"].minimum, params["MyParam"].maximum, params["MyParam"].custom) == (-5, 5, True)
    assert params["NoRange"].maximum == vts.VALUE_LIMIT and len(params) == 5


def test_parse_discovery_broadcast():
    good = {"apiName": vts.API_NAME, "apiVersion": "1.0", "timestamp": 1, "messageType": "VTubeStudioAPIStateBroadcast",
            "requestID": "VTubeStudioAPIStateBroadcast",
            "data": {"active": True, "port": 8002, "instanceID": "abc", "windowTitle": "VTube Studio", "new": 1}}
    assert vts.parse_discovery(json.dumps(good).encode()) == vts.Discovery(8002, True, "abc", "VTube Studio")
    assert vts.parse_discovery(b"\xff\x00") is None
    assert vts.parse_discovery(json.dumps(dict(good, messageType="Other")).encode()) is None
    assert vts.parse_discovery(json.dumps(dict(good, data={"port": "8001"})).encode()) is None


def test_custom_name_rule():
    assert vts.valid_custom_name("VtbJaw") and vts.valid_custom_name("A" * 32)
    assert not any(map(vts.valid_custom_name, ("abc", "A" * 33, "has space", "dash-ed", "ümlaut")))


# --- session --------------------------------------------------------------------------------------------------

def test_first_time_flow_asks_for_token_then_saves_and_streams():
    s = Session(developer="tests", icon=lambda: "ICON")
    assert (s.state, s.auth) == (State.DISCONNECTED, "no token")
    (msg,) = sent(s.connected(0.0))
    assert msg["messageType"] == "AuthenticationTokenRequest" and msg["data"]["pluginIcon"] == "ICON"
    assert (s.state, s.auth) == (State.AWAITING_TOKEN, "awaiting approval")
    assert s.poll(1.0) == []  # nothing is injected before authentication
    effects = s.receive(reply(msg, {"authenticationToken": "T1"}), 5.0)
    assert effects[0] == SaveToken("T1") and sent(effects)[0]["data"]["authenticationToken"] == "T1"
    assert s.state is State.AUTHENTICATING


def test_stored_token_authenticates_silently():
    s = Session(developer="tests", token="stored")
    (msg,) = sent(s.connected(0.0))
    assert msg["messageType"] == "AuthenticationRequest"
    assert streaming("stored").auth == "authenticated"


def test_denial_stops_asking():
    s = Session(developer="tests")
    (msg,) = sent(s.connected(0.0))
    effects = s.receive(reply(msg, error=(50, "User has denied API access for your plugin.")), 0.0)
    assert isinstance(effects[-1], Drop) and s.state is State.DENIED and s.terminal and s.auth == "denied"
    assert "denied" in s.last_error and "Allow" in s.last_error and "\n" not in s.last_error
    assert s.poll(10.0) == [] and s.next_wakeup() is None


def test_refused_stored_token_asks_once_then_never_loops():
    s = Session(developer="tests", token="old")
    (msg,) = sent(s.connected(0.0))
    effects = s.receive(reply(msg, {"authenticated": False, "reason": "revoked"}), 0.0)
    assert SaveToken(None) in effects and s.token is None
    (msg,) = sent(effects)
    assert msg["messageType"] == "AuthenticationTokenRequest"
    (msg,) = sent(s.receive(reply(msg, {"authenticationToken": "new"}), 0.0))
    effects = s.receive(reply(msg, {"authenticated": False}), 0.0)  # VTS refuses even the fresh token
    assert sent(effects) == [] and s.state is State.ERROR and s.terminal


def test_revocation_mid_stream_asks_for_a_new_token_once():
    s = streaming()
    requests = [sent(inject(s, [1, 0.5, 1], t))[0] for t in (0.0, 0.02, 0.04)]  # three in flight
    effects = s.receive(reply(requests[0], error=(50, "User has revoked API access for your plugin.")), 0.05)
    assert SaveToken(None) in effects and [m["messageType"] for m in sent(effects)] == ["AuthenticationTokenRequest"]
    assert any(isinstance(e, Notice) and "Allow" in e.text for e in effects)
    for late in requests[1:]:  # the other in-flight injections fail too: no second popup
        assert sent(s.receive(reply(late, error=(50, "revoked")), 0.06)) == []
    assert s.state is State.AWAITING_TOKEN and s.poll(0.5) == []


def test_api_access_off_is_reported_and_retried():
    s = Session(developer="tests", token="t")
    (msg,) = sent(s.connected(0.0))
    effects = s.receive(reply(msg, error=(1, "API access off")), 0.0)
    assert isinstance(effects[-1], Drop) and s.state is State.ERROR and s.api_off and not s.terminal
    assert "Allow Plugin API access" in s.last_error


def test_rate_cap_and_keepalive_with_fake_clock():
    s = streaming(rate=60.0)
    times = []
    for i in range(1000):  # a frame every millisecond for one second
        now = i / 1000
        for msg in sent(inject(s, [1, 0.5, 1], now)):
            times.append(now)
            s.receive(reply(msg), now)  # VTS answers at once
    assert 55 <= len(times) <= 61 and min(np.diff(times)) >= 1 / 60 - 1e-9
    s = streaming()
    found = []
    inject(s, [1, 0.5, 1], 0.0)
    for i in range(1, 400):  # no new frames for four seconds
        for msg in sent(s.poll(i / 100)):
            found.append((i / 100, msg["data"]["faceFound"]))
            s.receive(reply(msg), i / 100)
    gaps = np.diff([0.0] + [t for t, _ in found])
    assert max(gaps) <= 0.51 and len(found) >= 7
    assert [f for t, f in found if t < 0.99] == [True] and all(not f for t, f in found if t >= 1.0)


def test_in_flight_limit_holds_injections_back():
    s = streaming()
    msgs = [m for i in range(40) for m in sent(inject(s, [0, 0, 0], i * 0.02))]
    assert len(msgs) == vts.INFLIGHT_LIMIT
    s.receive(reply(msgs[0]), 1.0)
    assert len(sent(inject(s, [0, 0, 0], 1.0))) == 1


def test_values_are_clamped_to_parameter_ranges():
    s = streaming()
    (msg,) = sent(inject(s, [95.0, -2.0, math.nan], 0.0))
    assert msg["data"]["parameterValues"] == [{"id": "FaceAngleX", "value": 30.0}, {"id": "MouthOpen", "value": 0.0},
                                              {"id": "EyeOpenLeft", "value": 0.5}]
    assert msg["data"]["faceFound"] is True and msg["data"]["mode"] == "set"


def test_custom_parameters_created_and_invalid_names_reported_once():
    s = streaming(custom_ranges={"VtbJawLeft": (-1.0, 1.0, 0.0)})
    names = ("FaceAngleX", "VtbJawLeft", "bad name", "VtbTongue")
    s.offer(names, np.array([1, 3, 1, 0.5], dtype=np.float32), True, 0.0)
    effects = s.poll(0.0)
    creates = [m for m in sent(effects) if m["messageType"] == "ParameterCreationRequest"]
    assert [(m["data"]["parameterName"], m["data"]["min"], m["data"]["max"]) for m in creates] == [
        ("VtbJawLeft", -1.0, 1.0), ("VtbTongue", 0.0, 1.0)]
    notices = [e.text for e in effects if isinstance(e, Notice)]
    assert len(notices) == 1 and "'bad name'" in notices[0] and "4-32 letters or digits" in notices[0]
    (inj,) = [m for m in sent(effects) if m["messageType"] == "InjectParameterDataRequest"]
    assert [v["id"] for v in inj["data"]["parameterValues"]] == ["FaceAngleX"]
    assert s.receive(reply(creates[0], {"parameterName": "VtbJawLeft"}), 0.01) == []
    effects = s.receive(reply(creates[1], error=(356, "too many parameters in total")), 0.01)
    assert "VtbTongue" in effects[0].text
    s.offer(names, np.array([1, 3, 1, 0.5], dtype=np.float32), True, 0.1)
    (inj,) = sent(s.poll(0.1))
    assert inj["data"]["parameterValues"] == [{"id": "FaceAngleX", "value": 1.0}, {"id": "VtbJawLeft", "value": 1.0}]


def test_parameter_errors_name_the_parameter_once_and_drop_it():
    s = streaming()
    (msg,) = sent(inject(s, [1, 0.5, 1], 0.0))
    effects = s.receive(reply(msg, error=(454, "Parameter MouthOpen is currently controlled by another plugin.")),
                        0.01)
    assert len(effects) == 1 and "MouthOpen" in effects[0].text and "another plugin" in effects[0].text
    (msg,) = sent(inject(s, [1, 0.5, 1], 0.1))
    assert [v["id"] for v in msg["data"]["parameterValues"]] == ["FaceAngleX", "EyeOpenLeft"]
    assert s.receive(reply(msg, error=(451, "something odd")), 0.11)[0].text.startswith("VTS rejected")
    (msg,) = sent(inject(s, [1, 0.5, 1], 0.2))
    assert s.receive(reply(msg, error=(451, "something odd")), 0.21) == []  # reported once


def test_unexpected_and_malformed_messages_are_ignored():
    s = streaming()
    (msg,) = sent(inject(s, [1, 0.5, 1], 0.0))
    effects = s.receive("{not json", 0.0)
    assert len(effects) == 1 and not effects[0].error
    assert s.receive("{not json either", 0.0) == []
    assert s.receive(json.dumps({"messageType": "InjectParameterDataResponse", "requestID": "zzz"}), 0.0) == []
    assert s.receive(json.dumps({"messageType": "ModelLoadedEvent", "data": {"modelLoaded": True}}), 0.0) == []
    assert s.state is State.STREAMING and s.receive(reply(msg), 0.0) == []


def test_token_popup_already_open_retries_later():
    s = Session(developer="tests")
    (msg,) = sent(s.connected(0.0))
    effects = s.receive(reply(msg, error=(51, "ongoing")), 0.0)
    assert sent(effects) == [] and s.next_wakeup() == vts.TOKEN_RETRY_S
    assert s.poll(1.0) == [] and sent(s.poll(vts.TOKEN_RETRY_S))[0]["messageType"] == "AuthenticationTokenRequest"


def test_options_are_validated():
    with pytest.raises(ValueError):
        Session(developer="t", mode="replace")
    with pytest.raises(ValueError):
        Session(developer="t", rate=0)
    s = streaming(mode="add")
    assert sent(inject(s, [1, 1, 1], 0.0))[0]["data"]["mode"] == "add"


def test_next_wakeup_never_spins_when_nothing_can_be_sent():
    s = streaming()
    s.offer(("bad name",), np.array([1.0], dtype=np.float32), True, 0.0)
    s.poll(0.0)
    assert s.next_wakeup() >= s.min_interval  # nothing to inject: wait, don't busy-loop
    for i in range(vts.INFLIGHT_LIMIT + 1):
        inject(s, [0, 0, 0], 1 + i * 0.02)
    assert s.next_wakeup() > 1 + vts.INFLIGHT_LIMIT * 0.02  # VTS not answering: back off too


def test_api_url_accepts_the_usual_spellings():
    assert vts.api_url("ws://127.0.0.1:8001") == "ws://127.0.0.1:8001"
    assert vts.api_url(8002) == vts.api_url("8002") == "ws://localhost:8002"
    assert vts.api_url("192.168.1.5:8001") == "ws://192.168.1.5:8001"
    assert vts.api_url("myhost") == "ws://myhost:8001" and vts.api_url("auto") == "auto"
    with pytest.raises(ValueError):
        vts.api_url("http://localhost:8001")
