"""Face2FaceRHO (NetEase-GameAI, ECCV 2022) in our own PyTorch code, loadable from the official checkpoints and
exported to two ONNX graphs (source preparation, per-frame driving step). torch is imported only here."""
