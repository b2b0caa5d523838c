"""The phone-mode bookkeeping (sans I/O): handshakes, versions, repeats, the TCP variant, the bound."""

from __future__ import annotations

import pytest

from vtbridge.protocols.ifm_handshake import HANDSHAKE, PORT, TCP_HANDSHAKE, V2_SUFFIX, Subscribers, parse_handshake


def test_parse_handshake_versions_and_noise():
    assert parse_handshake(HANDSHAKE) == 1 and parse_handshake(HANDSHAKE + V2_SUFFIX) == 2
    assert parse_handshake(HANDSHAKE + b"\n") == 1  # stray line ends are tolerated
    for other in (b"", b"hello", TCP_HANDSHAKE, HANDSHAKE + b"|sendDataVersion=v3", HANDSHAKE[:-1]):
        assert parse_handshake(other) is None


def test_replies_go_to_the_protocols_port_on_the_requesters_host():
    subs = Subscribers()
    ev = subs.receive(HANDSHAKE + V2_SUFFIX, ("192.168.1.20", 53211), now=1.0)
    assert ev.kind == "new" and "192.168.1.20:49983 v2" in ev.text
    (s,) = subs.all
    assert (s.host, s.port, s.version) == ("192.168.1.20", PORT, 2)


def test_same_host_asking_again_updates_its_version_not_a_second_stream():
    subs = Subscribers()
    subs.receive(HANDSHAKE, ("10.0.0.5", 49983), 1.0)
    assert subs.receive(HANDSHAKE, ("10.0.0.5", 40000), 2.0).kind == "again"
    assert subs.receive(HANDSHAKE + V2_SUFFIX, ("10.0.0.5", 40001), 3.0).kind == "version"
    assert [(s.host, s.version) for s in subs.all] == [("10.0.0.5", 2)]
    subs.receive(HANDSHAKE, ("10.0.0.6", 49983), 4.0)
    assert sorted((s.host, s.version) for s in subs.all) == [("10.0.0.5", 2), ("10.0.0.6", 1)]


def test_other_datagrams_are_ignored_and_tcp_is_explained():
    subs = Subscribers()
    assert subs.receive(b"trackingStatus-1|", ("10.0.0.5", 1), 0.0).kind == "ignored"
    ev = subs.receive(TCP_HANDSHAKE, ("10.0.0.5", 1), 0.0)
    assert ev.kind == "tcp" and "UDP" in ev.text
    assert subs.all == []


def test_reply_port_zero_answers_the_source_port_and_keeps_sources_apart():
    subs = Subscribers(reply_port=0)
    subs.receive(HANDSHAKE, ("127.0.0.1", 5000), 0.0)
    subs.receive(HANDSHAKE + V2_SUFFIX, ("127.0.0.1", 5001), 0.0)
    assert sorted((s.port, s.version) for s in subs.all) == [(5000, 1), (5001, 2)]


def test_the_list_is_bounded_and_the_longest_silent_makes_room():
    subs = Subscribers(max_receivers=2)
    subs.receive(HANDSHAKE, ("10.0.0.1", 1), 1.0)
    subs.receive(HANDSHAKE, ("10.0.0.2", 1), 2.0)
    subs.receive(HANDSHAKE, ("10.0.0.1", 1), 3.0)  # renewed
    subs.receive(HANDSHAKE, ("10.0.0.3", 1), 4.0)
    assert sorted(s.host for s in subs.all) == ["10.0.0.1", "10.0.0.3"]
    with pytest.raises(ValueError):
        Subscribers(reply_port=70000)
