#!/bin/sh
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# The live receiver on loopback (docs/PERFORMANCE.md "Live receiver"):
#   bench/listen-bench.sh BUILD FILE RATE [blanc listen options...]
# Starts `blanc listen` on 127.0.0.1, sends FILE with build/mold_send at RATE
# messages/s (0: flat out), and prints one line: rate asked, rate sent, messages
# replayed, lost, kernel drops. Bounded: listen ends at end of session or after
# 3 s idle.
set -eu
build=$1 file=$2 rate=$3
shift 3
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
out=$(mktemp) err=$(mktemp)
"$build/blanc" listen --group 127.0.0.1 --port "$port" --idle-timeout 3 --json "$@" >"$out" 2>"$err" &
pid=$!
while ! grep -q listening "$err"; do sleep 0.05; done
sent=$("$build/mold_send" "$file" "127.0.0.1:$port" --rate "$rate" ${PER_PACKET:+--per-packet $PER_PACKET})
wait $pid || true
/usr/bin/python3 - "$out" "$rate" "$sent" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
t, l = j["transport"], j["live"]
print("asked %s/s | %s | replayed %d, lost %d, kernel drops %d, batches %d, waits %d, %s" % (
    sys.argv[2], sys.argv[3], j["messages"], t["lost_messages"], l["kernel_drops"],
    l["batches"], l["waits"], j["ended_by"]))
PY
rm -f "$out" "$err"
