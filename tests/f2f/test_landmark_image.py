"""Landmark images drawn as the official code draws them: sizes, truncation, colours in array order, LINE_4,
one-point parts as radius-1 dots, the right-eye contour skipping 49, draw order, [-1, 1] scaling."""

from __future__ import annotations

import numpy as np

from tests.f2f.conftest import F2F_DATA
from vtbridge.render.f2f.landmark_image import (COLOURS, PARTS, draw_level, landmark_images, pixel_points)

SOURCE = np.loadtxt(F2F_DATA / "source" / "original" / "landmark.txt", dtype=np.float32)


def test_sizes_and_range():
    imgs = landmark_images(SOURCE, 512)
    assert [i.shape for i in imgs] == [(1, 3, 32, 32), (1, 3, 64, 64), (1, 3, 128, 128)]
    for img in imgs:
        assert img.dtype == np.float32 and img.min() == -1.0 and img.max() == 1.0
        assert (img == -1.0).all(axis=1).mean() > 0.8  # mostly background
    assert [i.shape[-1] for i in landmark_images(SOURCE, 256)] == [16, 32, 64]


def test_truncation_toward_zero():
    pts = np.array([[-1.0, 1.0], [-1.01, 0.0], [0.0, -0.999]], dtype=np.float32)
    px = pixel_points(pts, 32)
    assert px.tolist() == [[0, 31], [0, 15], [15, 0]]  # int(-0.155) == 0, int(15.5) == 15, int(0.0155) == 0


def test_dots_lines_and_colours_level0():
    img = draw_level(SOURCE, 0, 512)
    px = pixel_points(SOURCE, 32)
    x, y = px[30]
    # nose tip: a filled radius-1 circle drawn with LINE_4 is a plus sign of 5 pixels
    assert tuple(img[y, x]) == COLOURS["nose"]
    cross = [(y + dy, x + dx) for dy, dx in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))]
    assert all(tuple(img[p]) == COLOURS["nose"] for p in cross)
    # the mouth line runs from corner 52 to corner 57 in the mouth colour (later parts may overwrite ends)
    (x0, y0), (x1, y1) = px[52], px[57]
    assert tuple(img[(y0 + y1) // 2, (x0 + x1) // 2]) == COLOURS["mouth"] or \
        tuple(img[(y0 + y1 + 1) // 2, (x0 + x1 + 1) // 2]) == COLOURS["mouth"]
    # no brows at the coarsest level
    assert not (img == np.array(COLOURS["left_brow"], np.uint8)).all(axis=2).any()


def test_line4_is_4_connected():
    img = draw_level(SOURCE, 2, 512)
    brow = (img == np.array(COLOURS["right_brow"], np.uint8)).all(axis=2)
    ys, xs = np.nonzero(brow)
    pts = set(zip(ys.tolist(), xs.tolist()))
    # every brow pixel has a 4-neighbour in the brow (LINE_4 never steps diagonally)
    assert all(any((y + dy, x + dx) in pts for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0))) for y, x in pts)


def test_right_eye_skips_49():
    assert 49 not in PARTS[2]["right_eye"]
    moved = SOURCE.copy()
    moved[49] = (0.9, 0.9)  # far away: if 49 were drawn, the eye colour would appear there
    img = draw_level(moved, 2, 512)
    x, y = pixel_points(moved, 128)[49]
    assert tuple(img[y, x]) != COLOURS["right_eye"]
    assert (draw_level(SOURCE, 2, 512) == img).all()


def test_channel_order_is_array_order():
    imgs = landmark_images(SOURCE, 512)
    px = pixel_points(SOURCE, 128)
    x, y = px[19]  # a left-brow point, colour (0, 0, 255): only the third channel is lit
    assert imgs[2][0, :, y, x].tolist() == [-1.0, -1.0, 1.0]
    x, y = px[2]  # contour (125, 125, 125) -> 2*125/255 - 1
    assert np.allclose(imgs[2][0, :, y, x], 2 * 125 / 255 - 1)


def test_runtime_never_imports_torch():
    import subprocess
    import sys

    code = ("import sys, vtbridge.cli, vtbridge.f2f_commands, vtbridge.render.f2f.renderer, vtbridge.render.f2f.bench, "
            "vtbridge.render.f2f.official; vtbridge.cli.build_parser(); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
