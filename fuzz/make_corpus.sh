#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Regenerate the seed corpora (deterministic). Usage: fuzz/make_corpus.sh BLANC_BIN
set -euo pipefail
BLANC=$(realpath "${1:?usage: fuzz/make_corpus.sh path/to/blanc}")
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for sc in normal corrupt gap burst; do
    "$BLANC" gen --seed 5 --messages 400 --symbols 3 --scenario $sc -o "$tmp/$sc.itch" 2>/dev/null
done
for t in decode replay; do
    mkdir -p corpus/$t
    for sc in normal corrupt gap burst; do cp "$tmp/$sc.itch" corpus/$t/gen-$sc; done
    head -c 4096 ../data/ritch/20101224.TEST_ITCH_50.reframed > corpus/$t/ritch-head
done
head -c 2048 ../data/ritch/20101224.TEST_ITCH_50.reframed > corpus/replay/ritch-head-cut
# Dump: an options byte (fuzz_dump.c) + frames.
mkdir -p corpus/dump
for sel in 0 1 2 7 68 133 198; do
    { printf "\\$(printf %o $sel)"; cat "$tmp/corrupt.itch"; } > corpus/dump/gen-corrupt-$sel
done
{ printf '\0'; head -c 4096 ../data/ritch/20101224.TEST_ITCH_50.reframed; } > corpus/dump/ritch-head
printf '\0\0' > corpus/replay/end-marker
# Source: selector byte (0 plain, 1 gzip, 2 zstd) + body; the target prepends the magic.
mkdir -p corpus/source
{ printf '\0'; cat "$tmp/normal.itch"; } > corpus/source/plain
gzip -9nc "$tmp/normal.itch" > "$tmp/n.gz"
{ printf '\1'; tail -c +5 "$tmp/n.gz"; } > corpus/source/gzip
zstd -q -19 -c "$tmp/normal.itch" > "$tmp/n.zst"
{ printf '\2'; tail -c +5 "$tmp/n.zst"; } > corpus/source/zstd
{ printf '\1'; tail -c +5 "$tmp/n.gz" | head -c 300; } > corpus/source/gzip-cut
# Damaged mid-stream (ISA-L hands it to zlib), and two members then junk.
{ printf '\1'; tail -c +5 "$tmp/n.gz" | head -c 2000; printf 'ZZZZ'; tail -c +2005 "$tmp/n.gz"; } > corpus/source/gzip-corrupt
{ printf '\1'; tail -c +5 "$tmp/n.gz"; cat "$tmp/n.gz"; printf 'junk'; } > corpus/source/gzip-members-junk
# Book programs: 4 bytes a message.
mkdir -p corpus/book
python3 - <<'PY'
import random
r = random.Random(7)
for i in range(8):
    n = 64 * (i + 1)
    with open(f"corpus/book/prog{i}", "wb") as f:
        f.write(bytes(r.randrange(256) for _ in range(4 * n)))
# Deep sides (fuzz_book.c's encoding): 256 bids on locate 1 at new worst prices
# and 256 asks on locate 2 at prices from the middle out, then deletes of
# each from the worst inward and in a shuffled order; splits, merges, hand-offs.
def add(loc, i, side_bit, k):
    return bytes([0 if loc == 1 else 24, i, (k // 32) << 5 | 8, side_bit | (k % 32)])
def dele(loc, i):
    return bytes([5 if loc == 1 else 17, i, 0, 0])
prog = b""
for i in range(256):
    prog += add(1, i, 0x20, 255 - i)
    prog += add(2, i, 0x40, (128 + (i // 2 if i % 2 else -(i // 2) - 1)) % 256)
for i in range(256):
    prog += dele(1, 255 - i)
order = list(range(256))
r.shuffle(order)
for i in order:
    prog += dele(2, i)
with open("corpus/book/levels_deep", "wb") as f:
    f.write(prog)
PY
# Snapshots: selector byte (odd = the target re-seals section checksums) + file.
mkdir -p corpus/snapshot
"$BLANC" gen --seed 9 --messages 1500 --symbols 3 --scenario gap -o "$tmp/s.itch" 2>/dev/null
# With health (the default): version 2, a health section of the default config, which
# the target's tracker takes. With --no-health: version 1, as older builds wrote.
for f in bin json; do
    "$BLANC" replay "$tmp/s.itch" --snapshot-at 700 --snapshot-at end --snapshot-format $f \
        --snapshot-out "$tmp/snap-$f" >/dev/null
    "$BLANC" replay "$tmp/s.itch" --no-health --snapshot-at 700 --snapshot-at end \
        --snapshot-format $f --snapshot-out "$tmp/v1-snap-$f" >/dev/null
done
for s in "$tmp"/snap-bin/* "$tmp"/snap-json/*; do
    b=$(basename "$s")
    { printf '\1'; cat "$s"; } > "corpus/snapshot/sealed-$b"
    { printf '\0'; cat "$s"; } > "corpus/snapshot/raw-$b"
done
for s in "$tmp"/v1-snap-bin/* "$tmp"/v1-snap-json/*; do
    b=$(basename "$s")
    { printf '\1'; cat "$s"; } > "corpus/snapshot/v1-sealed-$b"
    { printf '\0'; cat "$s"; } > "corpus/snapshot/v1-raw-$b"
done
# Captures: selector byte (0 pcap us, 1 pcap ns, 2 pcapng: the target prepends
# that magic; 3: the bytes as they are) + a capture written by tests/pcap.py.
mkdir -p corpus/capture
/usr/bin/python3 - <<'PY'
import sys
sys.path.insert(0, "../tests")
import pcap as P
def f(lt, payload, port=26477, vlans=(), frag=0):
    return P.link_frame(lt, P.ipv4("10.1.1.1", "233.54.12.111", 17, P.udp(40000, port, payload),
                                   frag=frag), vlans=vlans)
def day(lt=P.LINKTYPE_ETHERNET, vlans=()):
    spec = [(1, 3), (4, 2), (6, 0), (9, 1), (9, 1), (3, 1)]
    fr = [P.Frame(f(lt, P.mold("ABC", s, [b"S" + bytes([s, i]) for i in range(n)]), vlans=vlans),
                  10**18 + k) for k, (s, n) in enumerate(spec)]
    fr.append(P.Frame(f(lt, P.mold("ABC", 10, [], count=0xFFFF)), 10**18 + 9))
    return fr
def out(name, data):
    with open("corpus/capture/" + name, "wb") as fh:
        fh.write(b"\x03" + data)
out("eth", P.pcap(day()))
out("vlan2", P.pcap(day(vlans=[(0x88A8, 1), (0x8100, 2)]), nano=True, big_endian=True))
out("sll", P.pcap(day(P.LINKTYPE_LINUX_SLL), linktype=P.LINKTYPE_LINUX_SLL))
out("sll2", P.pcap(day(P.LINKTYPE_LINUX_SLL2), linktype=P.LINKTYPE_LINUX_SLL2))
out("raw", P.pcap(day(P.LINKTYPE_RAW), linktype=P.LINKTYPE_RAW))
out("pcapng", P.pcapng(day(), comment_every=2))
bad = day()
bad.insert(1, P.Frame(bad[0].data, 10**18, caplen=40))
bad.insert(2, P.Frame(f(1, P.mold("ABC", 3, [b"x"]), frag=0x2000), 10**18))
bad.insert(3, P.Frame(f(1, b"\0" * 25), 10**18))
out("damaged", P.pcap(bad))
out("cut", P.pcap(day())[:-7])
# Longer in-order runs (80 packets of 1-3 messages), so that batches after the
# first meet the fast walk and the direct path (capture.c, mold_direct.c):
# plain Ethernet, and behind a VLAN tag (the walk's decode() fallback).
def run(vlans=()):
    fr, seq = [], 1
    for k in range(80):
        c = 1 + k % 3
        fr.append(P.Frame(f(P.LINKTYPE_ETHERNET, P.mold("ABC", seq, [b"R" + bytes([k, i]) for i in range(c)]),
                            vlans=vlans), 10**18 + k))
        seq += c
    return fr
out("eth-run", P.pcap(run()))
out("vlan-run", P.pcap(run(vlans=[(0x8100, 5)]), nano=True))
out("ng-run", P.pcapng(run(), comment_every=7))  # pcapng's in-place fast walk
# Two interfaces walked in place, then a simple packet block: libpcap takes
# over there and must be served the second IDB first (capture.c blanc__capture_use_libpcap).
def two_if_spb():
    import struct
    base = P.pcapng(run()[:20])
    shb = struct.unpack_from("<I", base, 4)[0]
    at = shb + struct.unpack_from("<I", base, shb + 4)[0]  # past the SHB and the IDB
    data = run()[0].data
    epb1 = P._block(6, struct.pack("<IIIII", 1, 0, 5, len(data), len(data)) + P._pad4(data))
    spb = P._block(3, struct.pack("<I", len(data)) + P._pad4(data))
    return base[:at] + base[shb:at] + base[at:] + epb1 + spb + epb1
out("ng-two-spb", two_if_spb())
# without the magic (the target prepends it): pcap us, pcapng
with open("corpus/capture/magic-pcap", "wb") as fh:
    fh.write(b"\x00" + P.pcap(day())[4:])
with open("corpus/capture/magic-pcapng", "wb") as fh:
    fh.write(b"\x02" + P.pcapng(day())[4:])
PY
# Captures carrying SoupBinTCP over TCP: generated connections (clean; with
# retransmitted and reordered segments, a small MSS so packets straddle
# segments), one with a segment missing (a hole the feed gives up at the end),
# and one cut inside a segment.
for v in "clean:" "faults:--retransmit-packets 0.2 --reorder-packets 0.2"; do
    name=${v%%:*}
    # shellcheck disable=SC2086
    "$BLANC" gen --seed 5 --messages 220 --symbols 3 --session 2 --heartbeat 3600 --payload 128 \
        --format soupbintcp-pcap ${v#*:} -o "$tmp/tcp-$name.pcap" 2>/dev/null
    { printf '\3'; cat "$tmp/tcp-$name.pcap"; } > "corpus/capture/tcp-$name"
done
/usr/bin/python3 - "$tmp/tcp-faults.pcap" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
head, recs, at = data[:24], [], 24
while at < len(data):
    n = struct.unpack_from("<I", data, at + 8)[0]
    recs.append(data[at:at + 16 + n])
    at += 16 + n
with open("corpus/capture/tcp-hole", "wb") as fh:
    fh.write(b"\x03" + head + b"".join(r for i, r in enumerate(recs) if i != 12))
with open("corpus/capture/tcp-cut", "wb") as fh:
    fh.write(b"\x03" + head + b"".join(recs[:40]) + recs[40][:60])
PY
# SoupBinTCP: selector byte (even = byte stream, odd = TCP segments; fuzz_soup.c)
# + a stream made from a generated day: login accepted, each message as an S
# packet, heartbeats, end of session; cut, damaged, and as TCP segments.
mkdir -p corpus/soup
/usr/bin/python3 - "$tmp/normal.itch" "$tmp/corrupt.itch" <<'PY'
import struct, sys
def frames(path):
    b = open(path, "rb").read()
    i = 0
    while i + 2 <= len(b):
        n = struct.unpack(">H", b[i:i + 2])[0]
        if n == 0:
            break
        yield b[i + 2:i + 2 + n]
        i += 2 + n
def pkt(t, payload=b""):
    return struct.pack(">H", len(payload) + 1) + t + payload
def soup(path, seq=1):
    out = pkt(b"A", b"%10s%20d" % (b"SESS1", seq))
    for k, m in enumerate(frames(path)):
        out += pkt(b"S", m)
        if k % 50 == 0:
            out += pkt(b"H")
    return out + pkt(b"Z")
normal, corrupt = soup(sys.argv[1]), soup(sys.argv[2], 1000)
w = lambda name, data: open("corpus/soup/" + name, "wb").write(data)
w("stream-normal", b"\0" + normal)
w("stream-corrupt", b"\0" + corrupt)
w("stream-cut", b"\0" + normal[:len(normal) // 2 + 7])
w("stream-damaged", b"\0" + normal[:300] + b"\xee" * 17 + normal[300:2000] + b"\0\0" + normal[2000:])
w("stream-client", b"\0" + pkt(b"L", b"user01pass000001" + b" " * 10 + b"%20d" % 1) + normal[:3000] + pkt(b"R") + pkt(b"O"))
# Segments: seq delta (>h), flags, length (1 byte), payload. First byte after
# the selector: options (bit 0: lock on by content; the rest: window).
def segs(data, order, flags=0x10, opt=1):
    cuts = [data[i:i + 200] for i in range(0, len(data), 200)]
    out, seq = bytes([opt]), 0
    for j in order:
        pos = j * 200
        out += struct.pack(">hBB", pos - seq, flags, len(cuts[j])) + cuts[j]
        seq = pos
    return out
n = (len(normal[:4000]) + 199) // 200
w("tcp-inorder", b"\1" + segs(normal[:4000], range(n)))
w("tcp-reorder", b"\1" + segs(normal[:4000], [i ^ 1 for i in range(n - 1)] + [n - 1]))
w("tcp-retransmit", b"\1" + segs(normal[:4000], [i // 2 for i in range(2 * n)]))
w("tcp-hole", b"\1" + segs(normal[:4000], [i for i in range(n) if i != 3], opt=0))
# Locked on by content with the first segment overtaken: the server's SYN-ACK
# (and a SYN-ACK the other way) come first, then the segment after the first
# (it starts on a packet), then the first; the harness resumes just before the
# lock, where the remembered SYN-ACKs are the whole state.
def overtaken(data):
    head, at = 0, 0
    while at + 2 <= len(data):
        nxt = at + 2 + struct.unpack(">H", data[at:at + 2])[0]
        if nxt > 250:
            break
        head = at = nxt
    order = [(head, data[head:head + 200]), (0, data[:head])]
    order += [(i, data[i:i + 200]) for i in range(head + 200, len(data), 200)]
    out, seq = bytes([1]) + struct.pack(">hBB", -1, 0x12, 0) + struct.pack(">hBB", 0, 0x92, 0), -1
    for pos, b in order:
        out += struct.pack(">hBB", pos - seq, 0x10, len(b)) + b
        seq = pos
    return out
w("tcp-synack-overtaken", b"\1" + overtaken(normal[:4000]))
# Locked on at the server port's SYN-ACK, nothing delivered yet, resumed
# there (halfway): the snapshot of an empty stream has no buffer to copy from.
w("tcp-save-before-data", b"\1" + bytes([0]) + struct.pack(">hBBhBB", -1, 0x12, 0, 0, 0x12, 0))
PY
# MoldUDP64 (fuzz_mold.c's encoding): an options byte, then per packet a
# control byte (line, port, take cap, pause, save/restore), a 2-byte length
# and the UDP payload: in order, gaps, reordering, A/B, heartbeats, end of
# session, unsequenced, damaged packets, several sessions.
mkdir -p corpus/mold
/usr/bin/python3 - <<'PY'
import random, struct
def pkt(sess, seq, count, msgs=None):
    b = sess.ljust(10).encode()[:10] + struct.pack(">QH", seq, count)
    if count in (0, 0xFFFF):
        return b
    for i in range(count):
        m = msgs[i] if msgs else b"D" + struct.pack(">Q", seq + i)
        b += struct.pack(">H", len(m)) + m
    return b
def rec(ctl, payload):
    return bytes([ctl]) + struct.pack(">H", len(payload)) + payload
def write(name, opt, recs):
    with open(f"corpus/mold/{name}", "wb") as f:
        f.write(bytes([opt]) + b"".join(recs))
r = random.Random(12)
seqs = [(1 + 3 * i, 3) for i in range(40)]
write("in-order", 3, [rec(0, pkt("NASDAQ01", s, c)) for s, c in seqs] + [rec(0, pkt("NASDAQ01", 121, 0xFFFF))])
write("gaps", 2, [rec(0x80 if i % 7 == 3 else 0, pkt("S1", s, c)) for i, (s, c) in enumerate(seqs) if i % 9 != 4])
shuffled = seqs[:]
for i in range(len(shuffled) - 1):
    if r.random() < 0.3:
        shuffled[i], shuffled[i + 1] = shuffled[i + 1], shuffled[i]
write("reorder", 5, [rec(0x44 if i % 5 == 0 else 0, pkt("S1", s, c)) for i, (s, c) in enumerate(shuffled)])
ab = []
for i, (s, c) in enumerate(seqs):
    if i % 6 != 1: ab.append(rec(0, pkt("S1", s, c)))
    if i % 6 != 4: ab.append(rec(1, pkt("S1", s, c)))
write("ab", 7, ab)
write("heartbeats-end", 0, [rec(0, pkt("S", 1, 2)), rec(0, pkt("S", 3, 0)), rec(0, pkt("S", 3, 1)),
                            rec(0, pkt("S", 4, 0)), rec(0x80, pkt("S", 5, 0xFFFF))])
write("unsequenced", 1, [rec(0, pkt("ANON", 0, 2)) for _ in range(5)])
bad = [rec(0, pkt("S", 1, 2)), rec(0, b"short"), rec(0, pkt("S", 3, 2)[:-1]),
       rec(0, pkt("S", 3, 2) + b"x"), rec(0, pkt("S", 3, 0xFFFE)[:24]), rec(0, pkt("S", 3, 1))]
write("damaged", 0, bad)
write("sessions", 0x10, [rec(i & 3, pkt(f"S{i % 5}", 1 + i // 5, 1)) for i in range(40)])
write("channels", 0x20, [rec(i & 3, pkt("S", 1 + i, 1)) for i in range(20)])
write("restore-damage", 4, [rec(0, pkt("S", 1, 1)), rec(0, pkt("S", 4, 2)),
                            rec(0x20, b"\x00\x10\xff\xff\xff\xff"), rec(0x20, b"\x00\x40\x01"),
                            rec(0, pkt("S", 2, 2))])
PY
# The direct path differential (fuzz_mold_direct.c) reads the same encoding.
# Besides these it keeps save-in-batch-lazy and save-in-batch-cut, inputs the
# fuzzer found that save inside a batch of direct packets (no record written
# yet, and the one the batch ended inside): found, not written here.
mkdir -p corpus/mold_direct
cp corpus/mold/* corpus/mold_direct/
# The live feed's hole view (fuzz_udp_gap.c's encoding): 11-byte records, a
# control byte (bit 0: ready up to seq), sequence number and count: in order,
# holes filled late, heartbeats and end of session past a hole, out-of-order
# runs beyond the run bound, numbers near the top of the range.
mkdir -p corpus/udp_gap
python3 - <<'PY'
import random, struct
def rec(ctl, seq, count):
    return bytes([ctl]) + struct.pack(">QH", seq, count)
def write(name, recs):
    with open(f"corpus/udp_gap/{name}", "wb") as f:
        f.write(b"".join(recs))
write("in-order", [rec(0, 1 + 5 * i, 5) for i in range(30)] + [rec(1, 151, 0)])
write("hole-filled", [rec(0, 1, 5), rec(1, 6, 0), rec(0, 11, 5), rec(0, 16, 5), rec(0, 6, 5), rec(1, 21, 0)])
write("heartbeat-eos", [rec(0, 1, 5), rec(1, 6, 0), rec(0, 9, 0), rec(0, 12, 0xFFFF), rec(1, 12, 0)])
r = random.Random(7)
write("many-runs", [rec(0, 1, 1)] + [rec(0, 3 + 2 * r.randrange(400), 1) for _ in range(300)] + [rec(1, 500, 0)])
write("top", [rec(0, 1, 1), rec(0, 2**64 - 5, 3), rec(0, 2**64 - 70000, 0xFFFE), rec(1, 2**64 - 1, 0)])
PY
echo "corpus: $(find corpus -type f | wc -l) files, $(du -sh corpus | cut -f1)"
