#!/bin/sh
# t5100-notify-run: status reports from a real run over sshd workers to a
# real SMTP server (aiosmtpd) and a webhook receiver: the right messages,
# subjects, recipients and bodies; STARTTLS + AUTH with the credentials
# only after TLS; a server that is down or never answers changes neither
# the run's result nor its makespan beyond the documented wait bound.
# shellcheck disable=SC1091 # tests/lib.sh
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
"$PY" -c 'import aiosmtpd' 2>/dev/null || skip_all "python3-aiosmtpd missing"
command -v openssl >/dev/null || skip_all "openssl missing"
ensure_test_user
start_worker 1
start_worker 2
cat >"$T/jobs.xml" <<'XML'
<jobs>
  <job name="good"><arg>sh</arg><arg>-c</arg><arg>echo fine; sleep 1</arg></job>
  <job name="bad"><arg>sh</arg><arg>-c</arg><arg>echo "error: oops at line 7" >&amp;2; sleep 1; exit 3</arg></job>
</jobs>
XML

# subject_of FILE: the decoded Subject of a message
subject_of()
{
	"$PY" -c '
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print(m["Subject"]); print("To:", m["To"]); print(m.get_content())' "$1"
}

# --- plain SMTP: job-failed and run-done (the default events) -------------
start_server plain smtpd.py
dist --machines "$T/machines" --config "$T/jobs.xml" -n nightly \
    --mail-to alice@example.org --mail-from bench@example.org \
    --smtp "127.0.0.1:$PORT" >"$T/out1" 2>&1
rc=$?
check "run with mail: exit 1 for the failed job (got $rc)" [ "$rc" -eq 1 ]
n=$(find "$T/plain" -name '*.eml' | wc -l)
check "two messages: job-failed and run-done (got $n)" [ "$n" -eq 2 ]
for f in "$T"/plain/*.eml; do subject_of "$f"; done >"$T/mails1" 2>&1
check "job-failed subject names the job" grep -q '^\[distribute\] nightly: job bad failed' "$T/mails1"
check "run-done subject with the counts" grep -q '^\[distribute\] nightly: 1/2 ok, 1 failed (' "$T/mails1"
check "recipient" grep -q '^To: alice@example.org' "$T/mails1"
check "the failure's log tail is in the body" grep -q 'error: oops at line 7' "$T/mails1"
check "the results path is in the body" grep -q "$T/results/" "$T/mails1"
check "nothing unsent" [ -z "$(find "$T/results/CURRENT/" -name 'unsent-*.eml')" ]

# --- STARTTLS + AUTH: credentials only after TLS --------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$T/key.pem" \
    -out "$T/cert.pem" >/dev/null 2>&1 || fatal "openssl req"
start_server tls smtpd.py --tls starttls --cert "$T/cert.pem" \
    --key "$T/key.pem" --user alice --password 's3cret pw'
DISTRIBUTE_SMTP_PASSWORD='s3cret pw' dist --machines "$T/machines" \
    --config "$T/jobs.xml" -n tls --mail-to alice@example.org \
    --mail-on all --smtp "localhost:$PORT" --smtp-user alice \
    --smtp-tls starttls --smtp-ca-file "$T/cert.pem" >"$T/out2" 2>&1
rc=$?
check "STARTTLS run: exit 1 (got $rc)" [ "$rc" -eq 1 ]
n=$(find "$T/tls" -name '*.eml' | wc -l)
check "all events mailed: 2 machine-done, job-done, job-failed, run-done (got $n)" [ "$n" -eq 5 ]
check "AUTH happened inside TLS only" "$PY" -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
auth = [e for e in ev if e.get("event") == "auth"]
sys.exit(0 if auth and all(e["tls"] and e["ok"] for e in auth) else 1)' "$T/tls/log.jsonl"
check "the password is in no file of the run" \
    sh -c '! grep -rq "s3cret" "$1"' x "$T/results/CURRENT/"

# --- server down: the run completes, mail saved as .eml -------------------
dead=$(( $(worker_port 19) ))
dist --machines "$T/machines" --config "$T/jobs.xml" -n down \
    --mail-to alice@example.org --smtp "127.0.0.1:$dead" --mail-wait 5s \
    >"$T/out3" 2>&1
rc=$?
check "SMTP down: same exit code 1 (got $rc)" [ "$rc" -eq 1 ]
n=$(find "$T/results/CURRENT/mail" -name 'unsent-*.eml' 2>/dev/null | wc -l)
check "SMTP down: both messages saved as unsent .eml (got $n)" [ "$n" -eq 2 ]
check "SMTP down: why is logged" grep -qi 'unsent\|not sent' "$T/out3"

# --- a black hole: the exit waits no longer than the bound -----------------
start_server hole smtpd.py --blackhole
t0=$(date +%s)
dist --machines "$T/machines" --config "$T/jobs.xml" -n hole \
    --mail-to alice@example.org --smtp "127.0.0.1:$PORT" --mail-wait 3s \
    >"$T/out4" 2>&1
rc=$?
secs=$(( $(date +%s) - t0 ))
check "black hole: exit 1 (got $rc)" [ "$rc" -eq 1 ]
# the jobs take ~1 s in parallel; connect+staging < 2 s; bound 3 s; slack 3 s
check "black hole: the run ends within the bound (took ${secs}s)" [ "$secs" -le 9 ]
mk=$("$PY" -c '
import json, sys, datetime
j = json.load(open(sys.argv[1]))["jobs"]
print(max(x["duration"] for x in j))' "$T/results/CURRENT/run.json")
check "black hole: job durations unaffected (${mk}s)" "$PY" -c "import sys; sys.exit(0 if $mk < 2.5 else 1)"
n=$(find "$T/results/CURRENT/mail" -name 'unsent-*.eml' 2>/dev/null | wc -l)
check "black hole: messages saved as .eml (got $n)" [ "$n" -ge 1 ]

# --- webhooks -------------------------------------------------------------
start_server hook httpd.py
url="http://127.0.0.1:$PORT/hooks/secret-token-123"
dist --machines "$T/machines" --config "$T/jobs.xml" -n hooks \
    --notify-url "$url" --mail-on all >"$T/out5" 2>&1
n=$(find "$T/hook" -name '*.json' | wc -l)
check "webhook: one POST per event (got $n)" [ "$n" -eq 5 ]
check "webhook: bodies are JSON with the event names" "$PY" -c '
import json, sys, glob
ev = sorted(json.load(open(f))["event"] for f in glob.glob(sys.argv[1] + "/*.json"))
sys.exit(0 if ev == ["job-done", "job-failed", "machine-done", "machine-done", "run-done"] else 1)' "$T/hook"
check "webhook: the URL is written nowhere" \
    sh -c '! grep -rq "secret-token-123" "$1" "$2"' x "$T/results/CURRENT/" "$T/out5"
done_testing
