"""Daemon glue for the microphone: build the ``VoiceInput`` from the config's ``audio`` section, apply the tray's and
dashboard's voice commands, and describe the voice for viewers (level meter, vowel bars, calibration prompt)."""

from __future__ import annotations

from vtbridge.audio.analysis import VoiceOptions
from vtbridge.audio.voice_input import VoiceInput
from vtbridge.daemon.control import Command
from vtbridge.frames import FaceFrame

#: config key under ``audio`` -> VoiceOptions field, with the range the live control accepts (as config RULES).
OPTION_FIELDS = {"gain": ("gain_db", -20.0, 40.0), "gate": ("gate_db", -90.0, 0.0),
                 "smoothing": ("smoothing", 0.0, 0.95), "mix_strength": ("mix_strength", 0.0, 1.0)}


def voice_options(audio) -> VoiceOptions:
    """VoiceOptions from a config ``AudioConfig``."""
    return VoiceOptions(gain_db=audio.gain, gate_db=audio.gate, smoothing=audio.smoothing,
                        mix_strength=audio.mix_strength)


def build_voice(audio, printer, *, loop: bool = True) -> VoiceInput:
    """The voice input for the daemon; started at once when ``audio.enabled``."""
    voice = VoiceInput(audio.source, voice_options(audio), loop=loop, printer=printer)
    if audio.enabled:
        voice.start()
    return voice


def with_voice(face: FaceFrame, voice: VoiceInput | None) -> FaceFrame:
    """Join the newest voice analysis to a face frame just before mapping (unchanged without a fresh one)."""
    if voice is None or not voice.running:
        return face
    frame = voice.latest()
    return face if frame is None else face.with_(voice=frame)


def apply_voice_command(voice: VoiceInput, cmd: Command, printer) -> Command | None:
    """Apply one voice command; returns the choice worth saving in the config (as an explicit command), if any."""
    if cmd.kind == "set_voice":
        on = (not voice.running) if cmd.arg is None else bool(cmd.arg)
        if on and not voice.running:
            voice.start()
        elif not on and voice.running:
            voice.close()
        return Command("set_voice", on)
    if cmd.kind == "calibrate_voice":
        if not voice.running:
            printer("voice calibration needs the microphone on: turn audio on first")
            return None
        voice.calibrate()
        return None
    if cmd.kind == "set_voice_option":
        key, value = cmd.arg
        if key not in OPTION_FIELDS:
            printer(f"unknown audio setting {key!r}; one of {', '.join(OPTION_FIELDS)}")
            return None
        name, lo, hi = OPTION_FIELDS[key]
        try:
            number = float(value)
        except (TypeError, ValueError):
            printer(f"audio.{key}: {value!r} is not a number")
            return None
        if not lo <= number <= hi:
            printer(f"audio.{key}: {number:g} is out of range ({lo:g}-{hi:g})")
            return None
        voice.set_options(**{name: number})
        return Command("set_voice_option", (key, number))
    return None


def voice_snapshot(voice: VoiceInput | None) -> dict:
    """Plain values for the dashboard and tray (empty when the daemon has no voice input)."""
    if voice is None:
        return {}
    st, o = voice.status(), voice.options
    out = {"enabled": voice.running, "state": st.state, "source": st.source, "message": st.message,
           "calibrated": st.calibrated, "calibrating": st.calibrating,
           "calibration_progress": round(st.calibration_progress, 2),
           "gain": o.gain_db, "gate": o.gate_db, "smoothing": o.smoothing, "mix_strength": o.mix_strength}
    frame = voice.latest() if voice.running else None
    if frame is not None:
        out.update({k: round(float(v), 3) for k, v in
                    (("volume_db", frame.volume_db), ("volume", frame.volume), ("a", frame.a), ("i", frame.i),
                     ("u", frame.u), ("e", frame.e), ("o", frame.o), ("silence", frame.silence), ("mix", frame.mix))})
    return out
