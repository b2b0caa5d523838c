"""Microphone lip sync: capture (microphone or WAV) on its own thread, 16 ms voice analysis (loudness, noise
gate, vowel weights A I U E O / silence from 12 MFCCs), per-user calibration, and the newest ``VoiceFrame`` handed to
the tracking pipeline through a latest-wins slot. See docs/audio.md.

Pure cores: ``features`` (framing, RMS, MFCC), ``vowels`` (templates, nearest-template classifier), ``analysis``
(chunks in, VoiceFrames out), ``calibration`` (recording and storing a user's templates). Drivers: ``sources``
(WAV file, sounddevice microphone) and ``voice_input`` (the capture thread with retry).
"""

VOWELS = ("a", "i", "u", "e", "o")
