#!/usr/bin/env bash
# End-to-end over SMTP: the built daemon on loopback, the sample corpus sent to it with swaks
# as the mail servers of its senders would, then the records, messages and outbox checked
# through the CLI (over the admin socket), and a clean stop on SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swaks >/dev/null || { apt-get update -qq && apt-get install -y -qq swaks >/dev/null; }

work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/liaisond" ./cmd/liaisond
head -c 32 /dev/urandom | base64 > "$work/token.key" && chmod 0600 "$work/token.key"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
http=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/liaisond.toml" <<TOML
[store]
path = "$work/liaisond.db"
[[smtp]]
listen = "127.0.0.1:$port"
recipients = ["ls-intake@ietf.org"]
[outgoing]
address = "127.0.0.1:9"   # nothing listens: mail stays queued, nothing leaves this machine
tls = "none"
from = "IETF Liaison Intake <ls-intake@ietf.org>"
[confirm]
coordinators = ["coordinator@example.org"]
reply_address = "ls-intake@ietf.org"
token_secret_file = "$work/token.key"
[http]
listen = "127.0.0.1:$http"
[admin]
socket = "$work/admin.sock"
[log]
format = "json"
TOML
"$work/liaisond" check-config --strict --config "$work/liaisond.toml"
"$work/liaisond" serve --config "$work/liaisond.toml" 2> "$work/daemon.log" &
pid=$!
for _ in $(seq 100); do
	curl -fs "http://127.0.0.1:$http/readyz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fs "http://127.0.0.1:$http/readyz" >/dev/null || { cat "$work/daemon.log"; echo "daemon not ready"; exit 1; }

corpus=ingest/parse/testdata/corpus
for eml in "$corpus"/*.eml; do
	from=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["delivery"]; print(d.get("mail_from", "chair@example.org"))' "${eml%.eml}.json")
	[ -n "$from" ] || from='<>'
	swaks --silent 2 --server 127.0.0.1 --port "$port" --from "$from" --to ls-intake@ietf.org --data "@$eml" \
		|| { cat "$work/daemon.log"; echo "swaks failed for $eml"; exit 1; }
done

# Every message is processed asynchronously after its 250: wait until none is pending.
for _ in $(seq 100); do
	"$work/liaisond" messages list --json --config "$work/liaisond.toml" > "$work/messages.json"
	grep -q '"outcome":"pending"' "$work/messages.json" || break
	sleep 0.1
done
"$work/liaisond" records list --json --config "$work/liaisond.toml" > "$work/records.json"
"$work/liaisond" outbox list --json --config "$work/liaisond.toml" > "$work/outbox.json"

python3 - "$work" "$corpus" <<'PY'
import json, sys, glob, os
work, corpus = sys.argv[1], sys.argv[2]
msgs = [json.loads(l) for l in open(f"{work}/messages.json")]
recs = [json.loads(l) for l in open(f"{work}/records.json")]
outbox = [json.loads(l) for l in open(f"{work}/outbox.json")]
cases = sorted(glob.glob(f"{corpus}/*.json"))
fail = []
if len(msgs) != len(cases):
    fail.append(f"{len(msgs)} messages listed for {len(cases)} sent")
want_outcome = {"record": "record", "duplicate": "duplicate", "ignore": "ignore", "record_or_reject": "record"}
for m, case in zip(msgs, cases):
    exp = json.load(open(case))
    if m["outcome"] != want_outcome[exp["outcome"]]:
        fail.append(f"{os.path.basename(case)}: outcome {m['outcome']} ({m['reason']}), want {exp['outcome']}")
records = sum(1 for c in cases if json.load(open(c))["outcome"] in ("record", "record_or_reject"))
if len(recs) != records:
    fail.append(f"{len(recs)} records, want {records}")
titles = {r["title"] for r in recs}
for c in cases:
    exp = json.load(open(c))
    if exp["outcome"] in ("record", "record_or_reject") and exp["title"] not in titles:
        fail.append(f"{os.path.basename(c)}: no record titled {exp['title']!r}")
confirms = [e for e in outbox if e["kind"] == "confirm"]
if len(confirms) != records:
    fail.append(f"{len(confirms)} confirmation requests queued, want {records}")
if any(e["kind"] == "ack" for e in outbox):
    fail.append("an acknowledgement was queued before any confirmation")
if fail:
    print("e2e-smtp: FAIL"); print("\n".join(fail)); sys.exit(1)
print(f"e2e-smtp: {len(msgs)} messages sent with swaks, {len(recs)} records, {len(confirms)} confirmation requests queued")
PY

kill -TERM "$pid"
wait "$pid" || { cat "$work/daemon.log"; echo "daemon did not exit cleanly"; exit 1; }
grep -q '"msg":"stopped"' "$work/daemon.log" || { cat "$work/daemon.log"; echo "no clean stop logged"; exit 1; }
[ ! -e "$work/admin.sock" ] || { echo "admin socket left behind"; exit 1; }
echo "e2e-smtp: 1 passed, 0 failed"
