"""Converters from users' own checkpoints to the ONNX graphs the runtime loads. Needs the ``convert`` extra (torch);
nothing under ``vtbridge.render`` or the daemon imports this package."""
