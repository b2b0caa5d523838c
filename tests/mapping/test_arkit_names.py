"""The `arkit` profile's names are exactly Unity's ARKitBlendShapeLocation (UnityEngine.XR.ARKit), the names
perfect-sync models carry; VMC names are case-sensitive, so camelCase would not match in VMagicMirror."""

from __future__ import annotations

from vtbridge.mapping.profile import load_profile

#: Unity ARKit XR plugin, enum ARKitBlendShapeLocation, in declaration order (transcribed from the enum).
UNITY_ARKIT_BLENDSHAPE_LOCATION = (
    "BrowDownLeft", "BrowDownRight", "BrowInnerUp", "BrowOuterUpLeft", "BrowOuterUpRight",
    "CheekPuff", "CheekSquintLeft", "CheekSquintRight",
    "EyeBlinkLeft", "EyeBlinkRight", "EyeLookDownLeft", "EyeLookDownRight", "EyeLookInLeft", "EyeLookInRight",
    "EyeLookOutLeft", "EyeLookOutRight", "EyeLookUpLeft", "EyeLookUpRight", "EyeSquintLeft", "EyeSquintRight",
    "EyeWideLeft", "EyeWideRight",
    "JawForward", "JawLeft", "JawOpen", "JawRight",
    "MouthClose", "MouthDimpleLeft", "MouthDimpleRight", "MouthFrownLeft", "MouthFrownRight", "MouthFunnel",
    "MouthLeft", "MouthLowerDownLeft", "MouthLowerDownRight", "MouthPressLeft", "MouthPressRight", "MouthPucker",
    "MouthRight", "MouthRollLower", "MouthRollUpper", "MouthShrugLower", "MouthShrugUpper", "MouthSmileLeft",
    "MouthSmileRight", "MouthStretchLeft", "MouthStretchRight", "MouthUpperUpLeft", "MouthUpperUpRight",
    "NoseSneerLeft", "NoseSneerRight", "TongueOut",
)


def test_arkit_profile_names_match_unity_exactly():
    assert load_profile("arkit").output_names == UNITY_ARKIT_BLENDSHAPE_LOCATION


def test_camel_variant_keeps_arkit_names_and_both_say_so():
    camel = load_profile("arkit-camel")
    assert [n[0].upper() + n[1:] for n in camel.output_names] == list(UNITY_ARKIT_BLENDSHAPE_LOCATION)
    assert "PascalCase" in load_profile("arkit").description and "arkit-camel" in load_profile("arkit").description
    assert "camelCase" in camel.description and "arkit profile" in camel.description
