"""Signal conditioning after tracking: calibration (pure), One Euro smoothing and face-lost handling (stateful)."""
