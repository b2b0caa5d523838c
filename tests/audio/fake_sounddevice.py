"""A stand-in for the ``sounddevice`` module (this machine has no microphone): the same calls vtbridge makes
(``query_devices``, ``default.device``, ``InputStream(device, channels, samplerate, blocksize, dtype, callback)`` with
``start/stop/close/active``), fed from a WAV file in real time on PortAudio-like callback thread.

It can be unplugged (the callbacks stop and ``active`` turns False), refuse to open N times (busy device), or list
no input device at all."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np


class PortAudioError(Exception):
    pass


class FakeSoundDevice:
    def __init__(self, samples: np.ndarray, rate: int, *, name: str = "Fake USB Microphone", busy_opens: int = 0,
                 loop: bool = True, inputs: bool = True) -> None:
        self.samples, self.rate, self.name, self.loop = samples.astype(np.float32), rate, name, loop
        self.busy_opens = busy_opens
        self.inputs = inputs
        self.opens = 0
        self.streams: list[FakeStream] = []
        self.default = SimpleNamespace(device=(1, 0))
        self.PortAudioError = PortAudioError

    def query_devices(self):
        devices = [{"index": 0, "name": "Speakers", "max_input_channels": 0, "max_output_channels": 2,
                    "default_samplerate": 48000.0}]
        if self.inputs:
            devices.append({"index": 1, "name": self.name, "max_input_channels": 1, "max_output_channels": 0,
                            "default_samplerate": float(self.rate)})
            devices.append({"index": 2, "name": "Line In (Realtek)", "max_input_channels": 2,
                            "max_output_channels": 0, "default_samplerate": 44100.0})
        return devices

    def InputStream(self, *, device, channels, samplerate, blocksize, dtype, callback):  # noqa: N802 (its API)
        self.opens += 1
        if self.opens <= self.busy_opens:
            raise PortAudioError("Error opening InputStream: Device unavailable [PaErrorCode -9985]")
        assert device == 1 and samplerate == self.rate and dtype == "float32"
        stream = FakeStream(self, channels, blocksize, callback)
        self.streams.append(stream)
        return stream

    def unplug(self) -> None:
        for s in self.streams:
            s.unplugged = True


class FakeStream:
    def __init__(self, device: FakeSoundDevice, channels: int, blocksize: int, callback) -> None:
        self.device, self.channels, self.blocksize, self.callback = device, channels, blocksize, callback
        self.active = False
        self.unplugged = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.active = True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        d, pos, t0, n = self.device, 0, time.monotonic(), 0
        while self.active and not self.unplugged:
            if pos + self.blocksize > d.samples.size:
                if not d.loop:
                    break
                pos = 0
            block = d.samples[pos:pos + self.blocksize]
            pos += self.blocksize
            n += self.blocksize
            time.sleep(max(0.0, t0 + n / d.rate - time.monotonic()))
            self.callback(np.repeat(block[:, None], self.channels, axis=1), self.blocksize, None, None)
        self.active = False

    def stop(self) -> None:
        self.active = False
        if self._thread is not None:
            self._thread.join(1.0)

    def close(self) -> None:
        self.stop()
