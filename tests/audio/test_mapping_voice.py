"""The voice as profile inputs (voiceA … mouthOpenMixed) and the shipped profiles' mixing rule: the camera has the
mouth in silence, a loud voice takes it over in proportion to its loudness."""

from __future__ import annotations

import pytest

from vtbridge.frames import VoiceFrame
from vtbridge.mapping.compiler import VOICE_INPUTS
from vtbridge.mapping.profile import load_profile
from tests.mapping.helpers import face, values, write

SPEAKING_O = VoiceFrame(t=1.0, volume_db=-20.0, volume=0.8, a=0.1, i=0.0, u=0.05, e=0.0, o=0.8, silence=0.05,
                        mix=0.8)
CAMERA_A = dict(jawOpen=0.6)  # a wide-open mouth seen by the camera


def probe(tmp_path):
    doc = {"outputs": {name: name for name in VOICE_INPUTS}}
    return load_profile(write(tmp_path, "probe", doc))


def test_without_audio_the_voice_inputs_are_silence(tmp_path):
    v = values(probe(tmp_path), face(**CAMERA_A))
    assert v == pytest.approx({"voiceA": 0, "voiceI": 0, "voiceU": 0, "voiceE": 0, "voiceO": 0, "voiceSilence": 1,
                               "voiceVolume": 0, "voiceMix": 0, "voiceOpen": 0, "mouthOpenMixed": 0.6})


def test_voice_inputs_carry_the_voice_frame(tmp_path):
    v = values(probe(tmp_path), face(**CAMERA_A).with_(voice=SPEAKING_O))
    assert v["voiceO"] == pytest.approx(0.8) and v["voiceA"] == pytest.approx(0.1)
    assert v["voiceSilence"] == pytest.approx(0.05) and v["voiceVolume"] == pytest.approx(0.8)
    assert v["voiceMix"] == pytest.approx(0.8)
    assert v["voiceOpen"] == pytest.approx(SPEAKING_O.open)
    assert v["mouthOpenMixed"] == pytest.approx(0.6 + (SPEAKING_O.open - 0.6) * 0.8)


@pytest.mark.parametrize("profile, vowels", [("vseeface", "A I U E O"), ("vrm1", "aa ih ou ee oh")])
def test_vrm_profiles_mix_camera_and_voice_vowels(profile, vowels):
    p = load_profile(profile)
    names = vowels.split()
    camera = values(p, face(**CAMERA_A))
    assert camera[names[0]] > 0.5 and camera[names[4]] == 0  # the camera alone says A
    quiet = values(p, face(**CAMERA_A).with_(voice=VoiceFrame(t=0, volume_db=-70, volume=0.0)))
    assert quiet == pytest.approx(camera)  # silence: exactly the camera
    loud = values(p, face(**CAMERA_A).with_(voice=SPEAKING_O))
    assert loud[names[4]] == pytest.approx(0.8 * 0.8)  # O follows the voice in proportion to the mix
    assert loud[names[0]] == pytest.approx(camera[names[0]] + (0.1 - camera[names[0]]) * 0.8)
    full = values(p, face(**CAMERA_A).with_(voice=VoiceFrame(t=0, volume_db=-10, volume=1.0, o=1.0, silence=0,
                                                             mix=1.0)))
    assert full[names[4]] == pytest.approx(1.0) and full[names[0]] == pytest.approx(0.0)


def test_vtube_studio_profile_sends_the_voice_parameters():
    p = load_profile("vtube-studio")
    v = values(p, face(**CAMERA_A).with_(voice=SPEAKING_O))
    assert {k: v[k] for k in ("VoiceA", "VoiceI", "VoiceU", "VoiceE", "VoiceO", "VoiceSilence", "VoiceVolume")} == \
        pytest.approx({"VoiceA": 0.1, "VoiceI": 0, "VoiceU": 0.05, "VoiceE": 0, "VoiceO": 0.8, "VoiceSilence": 0.05,
                       "VoiceVolume": 0.8})
    camera_only = values(p, face(**CAMERA_A))
    assert camera_only["MouthOpen"] == pytest.approx(min(1.0, 0.6 * 1.4))
    assert v["MouthOpen"] == pytest.approx(camera_only["MouthOpen"] + (SPEAKING_O.open - camera_only["MouthOpen"]) * 0.8)
