"""The ``anime`` virtual-camera mode: a THA3 character from one picture, driven by the tracked face."""
