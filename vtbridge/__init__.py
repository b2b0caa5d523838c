"""vtbridge: webcam face capture for VTubers (VMC, iFacialMocap, VTube Studio) and a smart virtual webcam."""

__version__ = "0.2.0"
