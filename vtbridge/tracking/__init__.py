"""Face tracking: MediaPipe Face Landmarker -> FaceFrame (blendshapes, landmarks, head pose, gaze)."""
