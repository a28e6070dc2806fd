# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Write pcap and pcapng captures of MoldUDP64 for the tests, from the format
documents alone (pcap-savefile(5); the pcapng draft, draft-ietf-opsawg-pcapng;
Linux cooked headers as in pcap-linktype(7); MoldUDP64 Protocol Specification
1.00): nothing here comes from Blanc's C code.

A capture is a list of Frame; each frame is built by link_frame() from an IPv4
packet (ipv4()) carrying UDP (udp()) or anything else.
"""
import struct

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_addr(s):
    return bytes(int(x) for x in s.split("."))


def ipv4(src, dst, proto, payload, frag=0, options=b"", ident=1):
    """frag: the 16-bit flags+offset field (0x2000 MF, low 13 bits offset in 8-byte units)."""
    assert len(options) % 4 == 0
    ihl = 5 + len(options) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload), ident, frag, 64,
                      proto, 0, ip_addr(src), ip_addr(dst)) + options
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, seq, payload, flags=0x18):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload


def mcast_mac(group):
    g = ip_addr(group)
    return bytes([1, 0, 0x5E, g[1] & 0x7F, g[2], g[3]])


def link_frame(linktype, ip, vlans=(), ethertype=0x0800, dst_mac=b"\x01\x00\x5e\x00\x00\x01"):
    """vlans: list of (tpid, vid) outermost first, e.g. [(0x88a8, 100), (0x8100, 200)]."""
    if linktype == LINKTYPE_ETHERNET:
        tags = b""
        types = [t for t, _ in vlans] + [ethertype]
        for i, (_, vid) in enumerate(vlans):
            tags += struct.pack("!H", vid) + struct.pack("!H", types[i + 1])
        first = types[0]
        return dst_mac + b"\x02\x00\x00\x00\x00\x01" + struct.pack("!H", first) + tags + ip
    if linktype == LINKTYPE_LINUX_SLL:
        # packet type 1 (broadcast/multicast to us), ARPHRD_ETHER, address length 6, address
        return struct.pack("!HHH8sH", 2, 1, 6, b"\x02\0\0\0\0\1", ethertype) + ip
    if linktype == LINKTYPE_LINUX_SLL2:
        return struct.pack("!HHIHBB8s", ethertype, 0, 3, 1, 2, 6, b"\x02\0\0\0\0\1") + ip
    if linktype == LINKTYPE_RAW:
        return ip
    raise ValueError(linktype)


class Frame:
    def __init__(self, data, ts_ns, caplen=None):
        self.data = data
        self.ts_ns = ts_ns
        self.caplen = len(data) if caplen is None else caplen


def pcap(frames, linktype=LINKTYPE_ETHERNET, nano=False, big_endian=False, snaplen=65535):
    e = ">" if big_endian else "<"
    out = [struct.pack(e + "IHHiIII", 0xA1B23C4D if nano else 0xA1B2C3D4, 2, 4, 0, 0, snaplen,
                       linktype)]
    for f in frames:
        sec, ns = divmod(f.ts_ns, 10**9)
        out.append(struct.pack(e + "IIII", sec, ns if nano else ns // 1000, f.caplen,
                               len(f.data)))
        out.append(f.data[:f.caplen])
    return b"".join(out)


def _pad4(b):
    return b + b"\0" * (-len(b) % 4)


def _block(btype, body):
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def pcapng(frames, linktype=LINKTYPE_ETHERNET, snaplen=65535, comment_every=0):
    """Nanosecond timestamps (if_tsresol 9); an Interface Statistics Block after the first
    packet and an opt_comment on every comment_every-th packet exercise blocks and options
    a reader must step over."""
    shb = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = struct.pack("<HHB", 9, 1, 9) + b"\0\0\0" + struct.pack("<HH", 0, 0)
    idb = _block(1, struct.pack("<HHI", linktype, 0, snaplen) + opts)
    out = [shb, idb]
    for i, f in enumerate(frames):
        body = struct.pack("<IIIII", 0, f.ts_ns >> 32, f.ts_ns & 0xFFFFFFFF, f.caplen,
                           len(f.data)) + _pad4(f.data[:f.caplen])
        if comment_every and i % comment_every == 0:
            c = b"packet %d" % (i + 1)
            body += struct.pack("<HH", 1, len(c)) + _pad4(c) + struct.pack("<HH", 0, 0)
        out.append(_block(6, body))
        if i == 0:
            out.append(_block(5, struct.pack("<III", 0, 0, 0)))
    return b"".join(out)


# MoldUDP64 -------------------------------------------------------------------

def mold(session, seq, messages, count=None):
    """A MoldUDP64 packet: 10-byte session, 8-byte sequence number, 2-byte count, then
    each message as a 2-byte length and its bytes."""
    n = len(messages) if count is None else count
    return session.ljust(10).encode() + struct.pack("!QH", seq, n) + b"".join(
        struct.pack("!H", len(m)) + m for m in messages)


def binaryfile_messages(data):
    """The messages of a BinaryFILE (2-byte big-endian length, 0 = end of session)."""
    out, i = [], 0
    while i + 2 <= len(data):
        n = struct.unpack_from("!H", data, i)[0]
        if n == 0:
            break
        out.append(data[i + 2:i + 2 + n])
        i += 2 + n
    return out


def packetize(messages, max_payload=1400):
    """Group messages into MoldUDP64 packets of at most max_payload bytes: list of
    (first sequence number, messages)."""
    pkts, cur, size, seq = [], [], 20, 1
    for m in messages:
        if cur and size + 2 + len(m) > max_payload:
            pkts.append((seq, cur))
            seq += len(cur)
            cur, size = [], 20
        cur.append(m)
        size += 2 + len(m)
    if cur:
        pkts.append((seq, cur))
    return pkts
