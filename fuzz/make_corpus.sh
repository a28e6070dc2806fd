#!/usr/bin/env bash
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
# MoldUDP64 (fuzz_mold.c's encoding): an options byte, then per packet a
# control byte (line, port, take cap, pause, save/restore), a 2-byte length
# and the UDP payload: in order, gaps, reordering, A/B, heartbeats, end of
# session, unsequenced, damaged packets, several sessions.
mkdir -p corpus/mold
python3 - <<'PY'
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
