"""The avatar's view of the user: ``mirror`` (the avatar moves like your reflection) or ``camera`` (like you seen by
the camera). A pure function FaceFrame -> FaceFrame, applied once per output before its profile.

Why here and not in each protocol: every output (VMC, iFacialMocap, VTube Studio, any profile a user writes) must
agree on which way the avatar turns and which eye it closes. Applying the view to the frame gives each encoder and
each profile a single meaning to convert: **the avatar's own motion**, in the tracker's anatomical conventions
(``docs/conventions.md``). After ``apply_view``:

* ``yaw > 0`` turns the *avatar* toward its own left, ``eyeBlinkLeft`` closes the *avatar's* left eye, ``headX > 0``
  moves the avatar toward the viewer's right, and so on;
* ``view = "camera"`` leaves the frame as tracked: the avatar does what the user does, side for side;
* ``view = "mirror"`` (the default of avatar apps: VSeeFace, VTube Studio, VMagicMirror) reflects the frame: the user
  turning to their own left turns the avatar to its own right (toward screen-left), a wink of the user's left eye
  closes the avatar's right eye.

Landmarks and the image size stay as tracked: they describe the picture (previews draw them on it), not the avatar.
"""

from __future__ import annotations

from vtbridge.frames import MIRROR_PERMUTATION, FaceFrame, Gaze, HeadPose

VIEWS = ("mirror", "camera")
DEFAULT_VIEW = "mirror"
#: A per-output setting that means "the top-level ``view``".
FOLLOW = "default"


def mirror_head(h: HeadPose) -> HeadPose:
    """The reflection through the face's midplane: yaw, roll and sideways position change sign."""
    return HeadPose(yaw=-h.yaw, pitch=h.pitch, roll=-h.roll, x=-h.x, y=h.y, z=h.z)


def mirror_gaze(g: Gaze) -> Gaze:
    """Each eye takes the other's place and looks the other way sideways (up/down is unchanged)."""
    return Gaze(left_yaw=-g.right_yaw, left_pitch=g.right_pitch, right_yaw=-g.left_yaw, right_pitch=g.left_pitch)


def mirror_face(face: FaceFrame) -> FaceFrame:
    """The frame as the user's reflection would perform it: every Left/Right blendshape swaps (this includes
    mouthLeft/Right and jawLeft/Right, whose direction reverses in a mirror), head and gaze reflect."""
    return face.with_(blendshapes=face.blendshapes[MIRROR_PERMUTATION], head=mirror_head(face.head),
                      gaze=mirror_gaze(face.gaze))


def apply_view(face: FaceFrame, view: str) -> FaceFrame:
    """``face`` as the avatar should perform it for ``view`` (``"mirror"`` or ``"camera"``)."""
    if view == "camera":
        return face
    if view == "mirror":
        return mirror_face(face)
    raise ValueError(f"view must be 'mirror' or 'camera', not {view!r}")


def resolve_view(override: str, default: str) -> str:
    """An output's effective view: its own setting, or the top-level one when it says ``"default"``/nothing."""
    return default if override in ("", FOLLOW, None) else override
