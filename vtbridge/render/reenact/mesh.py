"""The warp mesh of one portrait: the face tessellation, the eye and mouth openings, and anchors around the head.

Why anchors: a warp of the face alone leaves a seam where the face meets the hair and the background. Two rings of
anchor points around the face oval follow the head partly (the inner ring more than the outer), and points on the
picture's border never move, so hair and neck bend smoothly with the head while the background stays still. The
mesh is built once per portrait; per frame only its vertex positions change.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vtbridge.render.reenact import topology as topo

#: (ring radius as a multiple of the face's extent from its centre, how much that ring follows the head).
RINGS = ((1.35, 0.8), (1.9, 0.35))
BORDER_STEPS = 8  # points per picture side that never move


@dataclass(frozen=True, eq=False)
class WarpMesh:
    """Source vertices (landmarks first, then anchors), triangles over them, and each anchor's follow weight."""

    points: np.ndarray  # (N, 2) float32 pixel positions in the portrait
    triangles: np.ndarray  # (T, 3) int32
    follow: np.ndarray  # (N - 478,) float32: 1 = moves with the head like the face oval, 0 = fixed
    anchor_base: np.ndarray  # (N - 478,) int32: the oval landmark each anchor hangs from (-1 for border points)

    @property
    def n_anchors(self) -> int:
        return len(self.follow)


def _inside(polygon: np.ndarray, point) -> bool:
    return cv2.pointPolygonTest(polygon.astype(np.float32), (float(point[0]), float(point[1])), False) > 0


def _delaunay(points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Delaunay triangles (indices into ``points``) of points inside a w x h rectangle."""
    w, h = size
    subdiv = cv2.Subdiv2D((-1, -1, w + 2, h + 2))
    lookup = {}
    for i, p in enumerate(points):
        key = (round(float(p[0]), 3), round(float(p[1]), 3))
        if key not in lookup:
            lookup[key] = i
            subdiv.insert((float(p[0]), float(p[1])))
    tris = []
    for t in subdiv.getTriangleList():
        idx = [lookup.get((round(float(t[j]), 3), round(float(t[j + 1]), 3))) for j in (0, 2, 4)]
        if None not in idx:
            tris.append(idx)
    return np.array(tris, dtype=np.int32).reshape(-1, 3)


def _fill_hole(landmarks: np.ndarray, outline: tuple[int, ...], extra: tuple[int, ...] = ()) -> np.ndarray:
    """Triangles covering an opening (eye, mouth) in the tessellation: Delaunay of its outline (plus points inside
    it, the iris), kept where the triangle's centre is inside the outline."""
    ids = np.array(outline + extra, dtype=np.int32)
    pts = landmarks[ids]
    lo = pts.min(axis=0) - 2
    local = _delaunay(pts - lo, tuple(int(v) + 4 for v in (pts.max(axis=0) - lo)))
    poly = landmarks[list(outline)]
    keep = [t for t in local if _inside(poly, pts[t].mean(axis=0))]
    if not keep:  # a closed outline (shut mouth): a fan from its first point keeps it covered
        keep = [(0, i, i + 1) for i in range(1, len(outline) - 1)]
    return ids[np.array(keep, dtype=np.int32)]


def build_mesh(landmarks: np.ndarray, size: tuple[int, int]) -> WarpMesh:
    """The mesh for a portrait whose 478 landmarks (pixels) were found in a picture of ``size`` (w, h)."""
    w, h = size
    lm = np.asarray(landmarks, dtype=np.float32)[:, :2]
    oval_ids = np.array(topo.FACE_OVAL, dtype=np.int32)
    oval = lm[oval_ids]
    centre = oval.mean(axis=0)
    anchors, follow, base = [], [], []
    for radius, weight in RINGS:
        for k, p in zip(oval_ids, oval):
            a = centre + (p - centre) * radius
            if 1 <= a[0] <= w - 2 and 1 <= a[1] <= h - 2:
                anchors.append(a)
                follow.append(weight)
                base.append(k)
    for s in np.linspace(0.0, 1.0, BORDER_STEPS + 1):
        for a in ((s * (w - 1), 0.0), (s * (w - 1), h - 1.0), (0.0, s * (h - 1)), (w - 1.0, s * (h - 1))):
            anchors.append(np.array(a, dtype=np.float32))
            follow.append(0.0)
            base.append(-1)
    anchors = np.array(anchors, dtype=np.float32)
    points = np.concatenate([lm, anchors]).astype(np.float32)

    # Outside the face: Delaunay over the oval and the anchors, minus whatever falls inside the oval.
    outer_ids = np.concatenate([oval_ids, topo.N_LANDMARKS + np.arange(len(anchors), dtype=np.int32)])
    outer = [outer_ids[t] for t in _delaunay(points[outer_ids], size)
             if not _inside(oval, points[outer_ids[t]].mean(axis=0))]
    triangles = np.concatenate([
        topo.tessellation(),
        _fill_hole(lm, topo.RIGHT_EYE, topo.RIGHT_IRIS),
        _fill_hole(lm, topo.LEFT_EYE, topo.LEFT_IRIS),
        _fill_hole(lm, topo.INNER_LIPS),
        np.array(outer, dtype=np.int32).reshape(-1, 3),
    ]).astype(np.int32)
    return WarpMesh(points=points, triangles=triangles, follow=np.array(follow, dtype=np.float32),
                    anchor_base=np.array(base, dtype=np.int32))


def anchor_targets(mesh: WarpMesh, target_landmarks: np.ndarray) -> np.ndarray:
    """Where the anchors go when the landmarks move to ``target_landmarks``: each ring anchor moves by its follow
    weight times the motion of the oval point it hangs from; border anchors stay."""
    src = mesh.points
    moved = src[topo.N_LANDMARKS:].copy()
    hang = mesh.anchor_base >= 0
    delta = target_landmarks[mesh.anchor_base[hang]] - src[mesh.anchor_base[hang]]
    moved[hang] += delta * mesh.follow[hang, None]
    return moved
