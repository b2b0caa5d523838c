"""Face2FaceRHO neural reenactment at run time: onnxruntime sessions over the graphs ``vtbridge models convert-f2f``
wrote, the official landmark images and head pose, driving from MediaPipe, and compositing. Never imports torch."""
