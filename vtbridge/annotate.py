"""Draws what the tracker sees onto a frame: landmarks, head axes and live blendshape bars. Used by
``vtbridge track --preview`` and the dashboard's preview; a person looks at it to judge tracking quality."""

from __future__ import annotations

import cv2
import numpy as np

from vtbridge.frames import ARKIT_NAMES, FaceFrame
from vtbridge.tracking.pose import euler_to_matrix

PANEL_W = 300
_NOSE_TIP = 1


def draw_landmarks(image: np.ndarray, face: FaceFrame) -> None:
    pts = face.landmarks_px
    if pts is None:
        return
    for x, y in pts.astype(np.int32)[::2]:
        cv2.circle(image, (int(x), int(y)), 1, (80, 255, 80), -1, cv2.LINE_AA)


def draw_head_axes(image: np.ndarray, face: FaceFrame, length: float | None = None) -> None:
    """Head axes from the nose tip: red = head x (subject's left), green = up, blue = forward (toward camera)."""
    pts = face.landmarks_px
    if pts is None:
        return
    h = face.head
    r = euler_to_matrix(h.yaw, h.pitch, h.roll)
    length = length or 0.12 * image.shape[0]
    origin = pts[_NOSE_TIP]
    for axis, color in ((0, (0, 0, 255)), (1, (0, 200, 0)), (2, (255, 80, 0))):
        d = r[:, axis]
        end = origin + np.array([d[0], -d[1]]) * length  # camera y is up, image y is down
        cv2.arrowedLine(image, tuple(int(v) for v in origin), tuple(int(v) for v in end), color, 2, cv2.LINE_AA,
                        tipLength=0.15)


def blendshape_panel(face: FaceFrame, height: int) -> np.ndarray:
    panel = np.full((height, PANEL_W, 3), 24, np.uint8)
    row = max(8, (height - 40) // len(ARKIT_NAMES))
    font = max(0.28, row / 40.0)
    h = face.head
    cv2.putText(panel, f"yaw {h.yaw:+6.1f} pitch {h.pitch:+6.1f} roll {h.roll:+6.1f}", (6, 14),
                cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
    cv2.putText(panel, "face" if face.found else "NO FACE", (6, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                (80, 255, 80) if face.found else (60, 60, 255), 1, cv2.LINE_AA)
    for i, (name, v) in enumerate(zip(ARKIT_NAMES, face.blendshapes)):
        y = 40 + i * row
        cv2.rectangle(panel, (130, y + 1), (130 + int(float(v) * (PANEL_W - 140)), y + row - 2), (60, 170, 250), -1)
        cv2.putText(panel, name, (4, y + row - 2), cv2.FONT_HERSHEY_SIMPLEX, font, (220, 220, 220), 1, cv2.LINE_AA)
    return panel


def annotate(image: np.ndarray, face: FaceFrame, *, panel: bool = True) -> np.ndarray:
    """A new BGR image: the frame with landmarks and axes, plus (optionally) the blendshape panel on the right."""
    out = image.copy()
    draw_landmarks(out, face)
    draw_head_axes(out, face)
    if not panel:
        return out
    return np.hstack([out, blendshape_panel(face, out.shape[0])])
