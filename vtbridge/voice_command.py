"""``vtbridge mics``, ``vtbridge voice FILE.wav --out voice.jsonl`` and ``vtbridge calibrate-voice``: the microphone
lip sync from the command line (the daemon side is ``vtbridge run --mic``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from vtbridge.errors import ConfigError


def register(subparsers) -> None:
    m = subparsers.add_parser("mics", help="list microphones (for `vtbridge run --mic` / config audio.source)")
    m.add_argument("--json", action="store_true")
    m.set_defaults(func=cmd_mics)

    v = subparsers.add_parser("voice", help="analyse a WAV file into per-frame vowel weights (JSON lines)",
                              description="One JSON object per 16 ms audio frame: "
                                          '{"t", "volume_db", "a", "i", "u", "e", "o", "silence"} (weights 0-1). '
                                          "Gain, gate and smoothing come from the config (audio.*) unless given.")
    v.add_argument("wav", help="a WAV file")
    v.add_argument("--out", required=True, help="output .jsonl file")
    v.add_argument("--realtime", action="store_true", help="pace the analysis like live audio (default: fast)")
    _option_flags(v)
    v.add_argument("--no-calibration", action="store_true", help="use the shipped vowel templates")
    v.set_defaults(func=cmd_voice)

    c = subparsers.add_parser("calibrate-voice", help="record your silence and vowels A I U E O (~12 s)",
                              description="Follow the prompts: stay quiet, then hold each vowel. The result is "
                                          "stored beside the face calibration and used by the daemon and `voice`.")
    c.add_argument("--mic", default=None, metavar="NAME|INDEX|FILE.wav",
                   help="microphone (default: config audio.source); a WAV file laid out like the prompts also works")
    _option_flags(c)
    c.set_defaults(func=cmd_calibrate_voice)


def _option_flags(p) -> None:
    p.add_argument("--gain", type=float, default=None, metavar="DB", help="input gain in dB (config audio.gain)")
    p.add_argument("--gate", type=float, default=None, metavar="DBFS", help="noise gate (config audio.gate)")
    p.add_argument("--smoothing", type=float, default=None, metavar="0-0.95", help="config audio.smoothing")


def _options(args):
    from vtbridge.daemon import config as cfg
    from vtbridge.daemon.voice_control import voice_options

    overrides = {f"audio.{k}": getattr(args, k) for k in ("gain", "gate", "smoothing")
                 if getattr(args, k, None) is not None}
    config = cfg.apply_overrides(cfg.load(), overrides)
    return config, voice_options(config.audio)


def cmd_mics(args) -> int:
    from vtbridge.audio.sources import list_microphones

    mics = list_microphones()
    if args.json:
        print(json.dumps([{"index": m.index, "name": m.name, "channels": m.channels, "rate": m.default_rate,
                           "default": m.default} for m in mics]))
        return 0
    if not mics:
        print("no microphones found (plug one in and allow microphone access; a WAV file works too: "
              "vtbridge run --mic speech.wav)")
        return 0
    for m in mics:
        print(f"{m.index}: {m.name} ({m.channels} ch, {m.default_rate:.0f} Hz)" + ("  [default]" if m.default
                                                                                    else ""))
    return 0


def cmd_voice(args) -> int:
    from vtbridge.audio.analysis import VoiceAnalyzer
    from vtbridge.audio.calibration import load_voice_calibration
    from vtbridge.audio.sources import WavSource, is_wav_spec

    if not is_wav_spec(args.wav):
        raise ConfigError(f"{args.wav!r} is not a .wav file; convert it first, e.g. `sox in.mp3 out.wav`")
    _, options = _options(args)
    cal = None if args.no_calibration else load_voice_calibration()
    source = WavSource(args.wav, realtime=args.realtime)
    analyzer = VoiceAnalyzer(source.sample_rate, options, cal.templates if cal else None,
                             cal.noise_db if cal else None)
    n = voiced = 0
    out = Path(args.out)
    with out.open("w", encoding="utf-8") as f:
        while (chunk := source.read()) is not None:
            for frame in analyzer.feed(chunk):
                f.write(json.dumps(frame.to_json()) + "\n")
                n += 1
                voiced += frame.silence < 0.5
    source.close()
    templates = "your calibration" if cal else "default templates"
    print(f"{n} audio frames ({voiced} with voice) from {args.wav} -> {args.out} ({templates})", file=sys.stderr)
    return 0


def cmd_calibrate_voice(args) -> int:
    from vtbridge.audio.analysis import VoiceAnalyzer
    from vtbridge.audio.calibration import STEPS, VoiceCalibrationRecorder, save_voice_calibration
    from vtbridge.audio.sources import is_wav_spec, open_audio_source

    config, options = _options(args)
    spec = args.mic if args.mic is not None else config.audio.source
    source = open_audio_source(spec, realtime=not is_wav_spec(spec))
    rec = VoiceCalibrationRecorder()
    analyzer = VoiceAnalyzer(source.sample_rate, options, tap=rec.add)
    print(f"voice calibration from {source.name}: {len(STEPS)} steps of {rec.step_s:.0f} s; when a prompt "
          f"appears, wait a moment, then do it until the next one", file=sys.stderr)
    shown = None
    try:
        while not rec.done:
            chunk = source.read(timeout=2.0)
            if chunk is None:
                break
            analyzer.feed(chunk)
            if rec.step != shown and rec.step is not None:
                shown = rec.step
                print(f"  {rec.prompt}", file=sys.stderr, flush=True)
    except TimeoutError:
        raise ConfigError(f"no audio from {source.name} for 2 s; check the microphone (`vtbridge mics`)") from None
    finally:
        source.close()
    cal = rec.finish(gate_db=options.gate_db)
    path = save_voice_calibration(cal)
    noise = "" if cal.noise_db is None else f", room noise {cal.noise_db:.0f} dBFS"
    print(f"voice calibrated{noise} -> {path}")
    return 0
