"""OSC codec: byte-exact encoding, our decoder, and python-osc as an independent decoder."""

from __future__ import annotations

import struct

import pytest
from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_message import OscMessage

from vtbridge.protocols import osc


def test_string_padding_always_terminates():
    assert osc.osc_string("") == b"\x00\x00\x00\x00"
    assert osc.osc_string("abc") == b"abc\x00"
    assert osc.osc_string("abcd") == b"abcd\x00\x00\x00\x00"
    assert osc.osc_string("/VMC/Ext/T") == b"/VMC/Ext/T\x00\x00"


def test_message_bytes_exact():
    data = osc.encode_message("/a", "hi", 1.5, 7)
    assert data == b"/a\x00\x00" + b",sfi\x00\x00\x00\x00" + b"hi\x00\x00" + struct.pack(">f", 1.5) + \
        struct.pack(">i", 7)
    assert len(data) % 4 == 0


def test_forced_tags_keep_floats_float():
    data = osc.encode_message("/x", 1, tags="f")  # an int value sent where a float is required
    msg = OscMessage(data)
    assert msg.params == [1.0] and isinstance(msg.params[0], float)
    assert osc.decode_message(data).tags == "f"


def test_no_argument_message_has_comma_tag():
    data = osc.encode_message("/VMC/Ext/Blend/Apply")
    assert data == osc.osc_string("/VMC/Ext/Blend/Apply") + b",\x00\x00\x00"
    assert OscMessage(data).params == []


def test_bundle_round_trip_with_python_osc():
    a = osc.encode_message("/a", "x", 0.25)
    b = osc.encode_message("/b", 3)
    data = osc.encode_bundle([a, b])
    assert data[:8] == b"#bundle\x00" and struct.unpack(">Q", data[8:16])[0] == osc.IMMEDIATE
    bundle = OscBundle(data)
    got = [(m.address, m.params) for m in bundle]
    assert got == [("/a", ["x", 0.25]), ("/b", [3])]
    ours = osc.decode_packet(data)
    assert [(m.address, m.tags, m.args) for m in ours] == [("/a", "sf", ("x", 0.25)), ("/b", "i", (3,))]


def test_layout_matches_generic_encoder():
    t1 = osc.Template.build("/VMC/Ext/Bone/Pos", "sfffffff", "Head")
    t2 = osc.Template.build("/VMC/Ext/OK", "iiii")
    t3 = osc.Template.build("/VMC/Ext/Blend/Apply", "")
    vals = [0.1, 0.2, 0.3, 0.0, 0.0, 0.0, 1.0, 1, 3, 0, 1]
    expected = osc.encode_bundle([
        osc.encode_message("/VMC/Ext/Bone/Pos", "Head", *vals[:7], tags="sfffffff"),
        osc.encode_message("/VMC/Ext/OK", *vals[7:], tags="iiii"),
        osc.encode_message("/VMC/Ext/Blend/Apply"),
    ])
    layout = osc.Layout([t1, t2, t3])
    assert layout.pack(vals) == expected
    assert layout.size == len(expected) == osc.bundle_size([t1, t2, t3])
    single = osc.Layout([t2], bundled=False)
    assert single.pack([1, 3, 0, 0]) == osc.encode_message("/VMC/Ext/OK", 1, 3, 0, 0)


def test_layout_rejects_wrong_value_count():
    layout = osc.Layout([osc.Template.build("/x", "ff")])
    with pytest.raises(osc.OscError):
        layout.pack([1.0])


def test_split_respects_limit_and_order():
    ts = [osc.Template.build("/VMC/Ext/Blend/Val", "sf", f"name{i:03d}") for i in range(100)]
    chunks = osc.split_templates(ts, 300)
    assert [t for c in chunks for t in c] == ts
    assert all(osc.bundle_size(c) <= 300 for c in chunks)
    # Greedy: adding the next message would have overflowed.
    for c, nxt in zip(chunks, chunks[1:]):
        assert osc.bundle_size(c + [nxt[0]]) > 300


def test_split_refuses_a_message_that_cannot_fit():
    with pytest.raises(osc.OscError):
        osc.split_templates([osc.Template.build("/x", "s", "y" * 400)], 300)


def test_decoder_rejects_garbage():
    with pytest.raises(osc.OscError):
        osc.decode_packet(b"#bundle\x00" + b"\x00" * 8 + struct.pack(">i", 64) + b"/a\x00\x00")
    with pytest.raises(osc.OscError):
        osc.decode_message(b"/a\x00\x00,f\x00\x00")  # float tag without data
    with pytest.raises(osc.OscError):
        osc.decode_message(b"noslash\x00")
