"""The contract every output (VMC, iFacialMocap, VTube Studio, virtual camera) follows.

The pipeline calls ``send`` on the tracking thread once per tracked frame: it must return quickly and never block
(UDP senders send inline; websocket/render outputs hand the frame to their own thread through a latest-wins slot).
An output that fails records the error in its status and keeps going; it never raises into the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from vtbridge.frames import MappedFrame


@dataclass
class OutputStatus:
    """Live state for the status line, tray tooltip and dashboard."""

    name: str
    enabled: bool = True
    state: str = "ok"  # ok | connecting | waiting | error | off
    packets: int = 0  # datagrams / messages sent since start
    last_error: str | None = None
    detail: dict = field(default_factory=dict)  # output-specific (e.g. VTS auth state)


@runtime_checkable
class Output(Protocol):
    name: str

    def send(self, frame: MappedFrame) -> None: ...

    def status(self) -> OutputStatus: ...

    def close(self) -> None: ...
