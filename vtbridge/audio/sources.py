"""Where audio comes from: a microphone (through ``sounddevice``/PortAudio) or a WAV file, behind one interface.

``read(timeout)`` returns the next ``AudioChunk`` (mono float32 in [-1, 1]), ``None`` at the end of a file, raises
``TimeoutError`` when nothing came in time and ``SourceError`` when the device is gone. A microphone fills a small
queue from PortAudio's callback thread; a file is cut into the same blocks, paced in real time (replay, the daemon's
``--mic FILE.wav``) or as fast as it can be read (``vtbridge voice``).

The ``sounddevice`` module is passed in (``backend``), so tests can give a fake one that speaks its API; on Linux
it needs the system PortAudio library, and its absence is reported as a ``SourceError`` that says how to fix it.
"""

from __future__ import annotations

import queue
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from vtbridge.errors import SourceError

BLOCK_S = 0.016  # one hop per block: the analysis never waits for more than it needs


@dataclass(frozen=True)
class AudioChunk:
    samples: np.ndarray = field(repr=False)  # float32 mono
    t: float  # time of the first sample: monotonic (microphone) or media time (file)


class AudioSource(Protocol):
    name: str
    sample_rate: int

    def read(self, timeout: float | None = None) -> AudioChunk | None: ...

    def close(self) -> None: ...


def is_wav_spec(spec: str) -> bool:
    return spec.lower().endswith((".wav", ".wave"))


# ---- WAV files ---------------------------------------------------------------------------------------------------
def read_wav(path: Path | str) -> tuple[np.ndarray, int]:
    """A WAV file as mono float32 in [-1, 1] and its sample rate; SourceError with the reason when it can't be."""
    from scipy.io import wavfile

    path = Path(path)
    if not path.is_file():
        raise SourceError(f"audio file {str(path)!r} not found; check the path")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", wavfile.WavFileWarning)  # unknown chunks (metadata) are skipped
            rate, data = wavfile.read(path)
    except (ValueError, OSError, EOFError) as exc:
        raise SourceError(f"audio file {str(path)!r} is not a readable WAV file ({exc}); convert it to 16-bit PCM "
                          f"WAV, e.g. `sox in.mp3 -b 16 out.wav`") from None
    if data.dtype.kind == "i":
        samples = data.astype(np.float32) / float(2 ** (8 * data.dtype.itemsize - 1))
    elif data.dtype.kind == "u":
        samples = (data.astype(np.float32) - 128.0) / 128.0
    else:
        samples = data.astype(np.float32)
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    if rate < 8000:
        raise SourceError(f"audio file {str(path)!r} has {rate} Hz; voice analysis needs at least 8000 Hz")
    return np.ascontiguousarray(samples, dtype=np.float32), int(rate)


class WavSource:
    """A WAV file as an audio source. ``realtime``: chunks come no faster than the audio would play (replay);
    ``loop``: start again at the end (time keeps increasing)."""

    def __init__(self, path: Path | str, *, realtime: bool = True, loop: bool = False) -> None:
        self.path = Path(path)
        self.name = str(path)
        self.samples, self.sample_rate = read_wav(self.path)
        self.block = max(1, int(round(BLOCK_S * self.sample_rate)))
        self.realtime, self.loop = realtime, loop
        self._pos = 0
        self._played = 0  # samples handed out, over loops
        self._t0 = time.monotonic()
        self._closed = False

    def read(self, timeout: float | None = None) -> AudioChunk | None:
        if self._closed:
            return None
        if self._pos >= self.samples.size:
            if not self.loop or self.samples.size == 0:
                return None
            self._pos = 0
        if self.realtime:
            due = self._t0 + self._played / self.sample_rate
            wait = due - time.monotonic()
            if timeout is not None and wait > timeout:
                time.sleep(max(0.0, timeout))
                raise TimeoutError("next audio block not due yet")
            if wait > 0:
                time.sleep(wait)
        chunk = self.samples[self._pos:self._pos + self.block]
        t = self._played / self.sample_rate
        self._pos += chunk.size
        self._played += chunk.size
        return AudioChunk(chunk, t)

    def close(self) -> None:
        self._closed = True


# ---- microphones -------------------------------------------------------------------------------------------------
PORTAUDIO_HINT = {
    "linux": "install the PortAudio library: sudo apt-get install libportaudio2 (Fedora: portaudio)",
    "darwin": "reinstall the sounddevice package (pip install --force-reinstall sounddevice)",
    "win32": "reinstall the sounddevice package (pip install --force-reinstall sounddevice)",
}


def load_sounddevice():
    """The sounddevice module, or SourceError saying how to get PortAudio (sounddevice raises OSError without it)."""
    try:
        import sounddevice
    except (ImportError, OSError) as exc:
        hint = PORTAUDIO_HINT.get(sys.platform, PORTAUDIO_HINT["linux"])
        raise SourceError(f"microphone input is unavailable: {exc}; {hint}") from None
    return sounddevice


@dataclass(frozen=True)
class MicInfo:
    index: int
    name: str
    channels: int
    default_rate: float
    default: bool = False


def list_microphones(backend=None) -> list[MicInfo]:
    sd = backend or load_sounddevice()
    try:
        devices = sd.query_devices()
        default_in = sd.default.device[0] if hasattr(sd, "default") else -1
    except Exception as exc:  # PortAudio errors are plain exceptions
        raise SourceError(f"cannot list microphones: {exc}") from None
    return [MicInfo(int(d.get("index", i)), str(d["name"]), int(d["max_input_channels"]),
                    float(d.get("default_samplerate") or 48000), int(d.get("index", i)) == default_in)
            for i, d in enumerate(devices) if int(d.get("max_input_channels", 0)) > 0]


def find_microphone(spec: str, mics: list[MicInfo]) -> MicInfo:
    """``""``/``default`` -> the system default input; a number -> that index; else the first whose name contains
    ``spec`` (case-insensitive)."""
    if not mics:
        raise SourceError("no microphone found; plug one in (and allow microphone access for desktop apps), then "
                          "`vtbridge mics` lists what vtbridge sees")
    text = spec.strip()
    if text in ("", "default"):
        return next((m for m in mics if m.default), mics[0])
    if text.lstrip("-").isdigit():
        for m in mics:
            if m.index == int(text):
                return m
        raise SourceError(f"no microphone with index {text}; `vtbridge mics` lists them: "
                          + ", ".join(f"{m.index}: {m.name}" for m in mics))
    for m in mics:
        if text.lower() in m.name.lower():
            return m
    raise SourceError(f"no microphone named like {text!r}; `vtbridge mics` lists them: "
                      + ", ".join(f"{m.index}: {m.name}" for m in mics))


class MicSource:
    """A live microphone. PortAudio calls back on its own thread; blocks go through a bounded queue (about half a
    second: if the reader ever falls that far behind, the oldest audio is dropped, never the newest)."""

    def __init__(self, spec: str = "default", *, backend=None, max_blocks: int = 32) -> None:
        self._sd = backend or load_sounddevice()
        mic = find_microphone(spec, list_microphones(self._sd))
        self.mic = mic
        self.name = f"mic:{mic.name}"
        self.sample_rate = int(mic.default_rate)
        self._queue: queue.Queue = queue.Queue(maxsize=max_blocks)
        self.dropped = 0
        self._error: str | None = None
        try:
            self._stream = self._sd.InputStream(device=mic.index, channels=1, samplerate=self.sample_rate,
                                                blocksize=max(1, int(round(BLOCK_S * self.sample_rate))),
                                                dtype="float32", callback=self._callback)
            self._stream.start()
        except Exception as exc:  # PortAudioError: busy, unplugged, no permission
            raise SourceError(f"microphone {mic.name!r} cannot be opened ({exc}); it may be in use by another app "
                              f"or blocked by the OS privacy settings (allow microphone access)") from None

    def _callback(self, indata, frames, time_info, status) -> None:
        t = time.monotonic() - frames / self.sample_rate
        chunk = AudioChunk(np.array(indata[:, 0] if np.ndim(indata) == 2 else indata, dtype=np.float32), t)
        try:
            self._queue.put_nowait(chunk)
        except queue.Full:
            try:
                self._queue.get_nowait()
                self.dropped += 1
            except queue.Empty:
                pass
            self._queue.put_nowait(chunk)

    def read(self, timeout: float | None = None) -> AudioChunk | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            if not getattr(self._stream, "active", True):
                raise SourceError(f"microphone {self.mic.name!r} stopped delivering audio (unplugged or taken by "
                                  f"another app)") from None
            raise TimeoutError("no audio in time") from None

    def close(self) -> None:
        try:
            self._stream.stop()
            self._stream.close()
        except Exception:
            pass


def open_audio_source(spec: str, *, realtime: bool = True, loop: bool = False, backend=None) -> AudioSource:
    """``FILE.wav`` -> WavSource; anything else names a microphone (index, part of its name, or ``default``)."""
    if is_wav_spec(spec):
        return WavSource(spec, realtime=realtime, loop=loop)
    return MicSource(spec, backend=backend)
