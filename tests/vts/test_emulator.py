"""The emulator itself answers like VTube Studio's README says (so the client tests mean something)."""

from __future__ import annotations

import json

from websockets.sync.client import connect

from vtbridge.outputs.vts_icon import icon_base64


def call(ws, message_type, data=None, **envelope):
    msg = {"apiName": "VTubeStudioPublicAPI", "apiVersion": "1.0", "requestID": "r1", "messageType": message_type}
    msg.update(envelope)
    if data is not None:
        msg["data"] = data
    ws.send(json.dumps(msg))
    return json.loads(ws.recv(timeout=2))


def error(resp):
    return resp["data"]["errorID"] if resp["messageType"] == "APIError" else None


def authenticate(ws):
    token = call(ws, "AuthenticationTokenRequest", {"pluginName": "tester", "pluginDeveloper": "dev",
                                                    "pluginIcon": icon_base64()})["data"]["authenticationToken"]
    assert call(ws, "AuthenticationRequest", {"pluginName": "tester", "pluginDeveloper": "dev",
                                              "authenticationToken": token})["data"]["authenticated"] is True
    return token


def test_envelope_validation(emulator):
    with connect(emulator.url) as ws:
        ws.send("{nope")
        assert error(json.loads(ws.recv(timeout=2))) == 2
        assert error(call(ws, "APIStateRequest", apiName="Other")) == 3
        assert error(call(ws, "APIStateRequest", apiVersion="2.0")) == 4
        assert error(call(ws, "APIStateRequest", requestID="x" * 65)) == 5
        assert error(call(ws, "", )) == 6
        assert error(call(ws, "MakeCoffeeRequest")) == 7
        assert error(call(ws, "InputParameterListRequest")) == 8
        resp = call(ws, "APIStateRequest", requestID="abc")
        assert resp["requestID"] == "abc" and resp["data"]["currentSessionAuthenticated"] is False
        assert isinstance(resp["timestamp"], int)


def test_token_and_authentication_rules(emulator_factory):
    emu = emulator_factory()
    with connect(emu.url) as ws:
        assert error(call(ws, "AuthenticationTokenRequest", {"pluginName": "ab", "pluginDeveloper": "dev"})) == 52
        assert error(call(ws, "AuthenticationTokenRequest", {"pluginName": "abc", "pluginDeveloper": ""})) == 53
        assert error(call(ws, "AuthenticationTokenRequest", {"pluginName": "abc", "pluginDeveloper": "dev",
                                                             "pluginIcon": "aGVsbG8="})) == 54
        assert error(call(ws, "AuthenticationRequest", {"pluginName": "a", "pluginDeveloper": "b"})) == 100
        assert call(ws, "AuthenticationRequest", {"pluginName": "tester", "pluginDeveloper": "dev",
                                                  "authenticationToken": "forged"})["data"]["authenticated"] is False
        token = authenticate(ws)
        assert len(token) <= 64 and emu.tokens[token] == ("tester", "dev")
    denier = emulator_factory(deny=True)
    with connect(denier.url) as ws:
        resp = call(ws, "AuthenticationTokenRequest", {"pluginName": "tester", "pluginDeveloper": "dev"})
        assert error(resp) == 50
    off = emulator_factory(api_enabled=False)
    with connect(off.url) as ws:
        assert error(call(ws, "APIStateRequest")) == 1


def test_parameters_creation_and_injection_rules(emulator_factory):
    emu = emulator_factory(other_plugin_params=("MouthSmile",))
    with connect(emu.url) as ws:
        authenticate(ws)
        data = call(ws, "InputParameterListRequest")["data"]
        face_x = next(p for p in data["defaultParameters"] if p["name"] == "FaceAngleX")
        assert (face_x["min"], face_x["max"]) == (-30, 30) and data["customParameters"] == []
        create = {"parameterName": "MyParam", "min": 0, "max": 1, "defaultValue": 0}
        assert call(ws, "ParameterCreationRequest", create)["data"] == {"parameterName": "MyParam"}
        assert error(call(ws, "ParameterCreationRequest", dict(create, parameterName="no way"))) == 350
        assert error(call(ws, "ParameterCreationRequest", dict(create, max="1"))) == 351
        assert error(call(ws, "ParameterCreationRequest", dict(create, parameterName="MouthOpen"))) == 354
        inject = lambda values, **more: call(ws, "InjectParameterDataRequest", dict(parameterValues=values, **more))
        assert inject([{"id": "FaceAngleX", "value": 3}, {"id": "MyParam", "value": 0.2}], faceFound=True)[
            "messageType"] == "InjectParameterDataResponse"
        assert error(inject([])) == 450
        assert error(inject([{"id": "FaceAngleX", "value": 2e6}])) == 451
        assert error(inject([{"id": "FaceAngleX", "value": 1, "weight": 2}])) == 452
        resp = inject([{"id": "NoSuchParam", "value": 1}])
        assert error(resp) == 453 and "NoSuchParam" in resp["data"]["message"]
        assert error(inject([{"id": "MouthSmile", "value": 1}])) == 454
        assert error(inject([{"id": "MouthSmile", "value": 1}], mode="add")) is None
        assert error(inject([{"id": "FaceAngleX", "value": 1}], mode="replace")) == 455
        assert emu.injections_snapshot()[0].values == {"FaceAngleX": 3.0, "MyParam": 0.2}
