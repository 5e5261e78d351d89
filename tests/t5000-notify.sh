#!/bin/sh
# t5000-notify: status mail and webhooks through notify-probe against real
# servers on loopback: aiosmtpd (plain, STARTTLS + AUTH, implicit TLS, a
# black hole) and a small HTTP server; unsent mail saved as .eml within the
# wait bound; credentials only over TLS; webhook URLs never written.
# shellcheck disable=SC2016 # sh -c programs
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
PROBE=$TOP/tests/helpers/notify-probe
[ -x "$PROBE" ] || skip_all "tests/helpers/notify-probe is not built"
"$PY" -c 'import aiosmtpd' 2>/dev/null || skip_all "python3-aiosmtpd missing"
command -v openssl >/dev/null || skip_all "openssl missing"

# probe OUT ARGS...: run notify-probe, output in $T/OUT, status in RC,
# wall seconds in SECS.
probe()
{
	_out=$1
	shift
	_t0=$(date +%s)
	"$PROBE" "$@" >"$T/$_out" 2>&1
	RC=$?
	SECS=$(( $(date +%s) - _t0 ))
}

# mail FILE: "subject|to|from|body" of a saved message, decoded by Python.
mail()
{
	"$PY" - "$1" <<'EOF'
import email, email.header, email.policy, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.default)
body = m.get_content()
print("subject=" + str(m["Subject"]))
print("to=" + str(m["To"]))
print("from=" + str(m["From"]))
print("cte=" + str(m["Content-Transfer-Encoding"]))
sys.stdout.write(body)
EOF
}

# log_has DIR PYTHON-EXPR: true if a line of DIR/log.jsonl makes EXPR (over
# e, the parsed line) true.
# shellcheck disable=SC2317 # called through check
log_has()
{
	"$PY" - "$1/log.jsonl" "$2" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])] if sys.argv[1] else []
sys.exit(0 if any(eval(sys.argv[2], {}, {"e": e}) for e in lines) else 1)
EOF
}

count_files()
{
	find "$1" -name "$2" 2>/dev/null | wc -l
}

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$T/key.pem" \
    -out "$T/cert.pem" >/dev/null 2>&1 || fatal "openssl req"
printf 'p4ss w0rd\n' >"$T/pw"
chmod 600 "$T/pw"

# --- plain SMTP -----------------------------------------------------------
start_server plain smtpd.py
probe out1 --set mail-to=alice@example.org,bob@example.org \
    --set mail-from=bench@example.org --set "smtp=localhost:$PORT" \
    --unsent "$T/unsent1" --name "K$(printf '\303\244')se nightly" job-failed
RC1=$RC
probe out1b --set mail-to=alice@example.org,bob@example.org \
    --set mail-from=bench@example.org --set "smtp=localhost:$PORT" \
    --unsent "$T/unsent1" --job .dot-job run-done
check "plain: both messages sent (rc $RC1, $RC)" [ "$RC1$RC" = 00 ]
check "plain: the server got 2 messages" \
    [ "$(count_files "$T/plain" '*.eml')" -eq 2 ]
check "plain: envelope sender and both recipients" log_has "$T/plain" \
    "e.get('event') == 'message' and e['mail_from'] == 'bench@example.org' and e['rcpt_tos'] == ['alice@example.org', 'bob@example.org']"
mail "$T/plain/1.eml" >"$T/m1" 2>&1
mail "$T/plain/2.eml" >"$T/m2" 2>&1
check "plain: job-failed subject, UTF-8 name decoded" grep -qx \
    "subject=\[distribute\] K$(printf '\303\244')se nightly: job job-07 failed on w2 (exit 3, 2 attempts)" "$T/m1"
check "plain: UTF-8 body sent quoted-printable" grep -qx "cte=quoted-printable" "$T/m1"
check "plain: run-done subject" grep -qx \
    "subject=\[distribute\] nightly: 37/40 ok, 3 failed (2h13m)" "$T/m2"
check "plain: ASCII body sent 7bit" grep -qx "cte=7bit" "$T/m2"
check "plain: To header" grep -qx "to=alice@example.org, bob@example.org" "$T/m2"
check "plain: job-failed body has the log tail" grep -q "error: oops" "$T/m1"
check "plain: a table line starting with '.' survives (dot-stuffing)" \
    grep -q '^\.dot-job  w1' "$T/m2"
check "plain: run-done body lists the failures" grep -q '^job-20 (w2, exit 3)' "$T/m2"
check "plain: results path in the body" \
    grep -q '/srv/results/20261123-090513-nightly' "$T/m2"
check "plain: nothing saved as unsent" [ ! -d "$T/unsent1" ]

# --- STARTTLS + AUTH ------------------------------------------------------
start_server tls smtpd.py --tls starttls --cert "$T/cert.pem" \
    --key "$T/key.pem" --user alice --password 'p4ss w0rd'
TLSPORT=$PORT
probe out2 --set mail-to=alice@example.org --set "smtp=localhost:$PORT" \
    --set smtp-user=alice --set "smtp-password-file=$T/pw" \
    --set "smtp-ca-file=$T/cert.pem" --unsent "$T/unsent2" job-failed run-done
check "starttls: sent (rc $RC)" [ "$RC" -eq 0 ]
check "starttls: AUTH succeeded inside TLS" log_has "$T/tls" \
    "e.get('event') == 'auth' and e['tls'] and e['ok'] and e['login'] == 'alice'"
check "starttls: no AUTH ever outside TLS" sh -c '! grep -q "\"auth\", \"tls\": false" "$1/log.jsonl"' x "$T/tls"
check "starttls: messages arrived authenticated over TLS" \
    [ "$(grep -c '"event": "message".*"tls": true, "authenticated": true' "$T/tls/log.jsonl")" -eq 2 ]
check "starttls: the password is in no file we wrote" \
    sh -c '! grep -rq "p4ss" "$1/out2" "$1/tls"/*.eml' x "$T"

start_server tlsplain smtpd.py --tls starttls --cert "$T/cert.pem" \
    --key "$T/key.pem" --user alice --password 'p4ss w0rd' --mechanisms PLAIN
DISTRIBUTE_SMTP_PASSWORD='p4ss w0rd' probe out2b --set mail-to=a@example.org \
    --set "smtp=localhost:$PORT" --set smtp-user=alice \
    --set "smtp-ca-file=$T/cert.pem" --unsent "$T/unsent2b" run-done
check "starttls: AUTH PLAIN with the password from the environment" \
    log_has "$T/tlsplain" "e.get('event') == 'auth' and e['mechanism'] == 'PLAIN' and e['ok'] and e['tls']"

probe out3 --set mail-to=alice@example.org --set "smtp=localhost:$TLSPORT" \
    --set smtp-user=alice --set "smtp-password-file=$T/pw" \
    --set smtp-tls=none job-failed
check "tls=none with a user is a configuration error (rc $RC)" [ "$RC" -eq 2 ]
check "... saying credentials need encryption" \
    grep -q "credentials are never sent over an unencrypted connection" "$T/out3"

cp "$T/tls/log.jsonl" "$T/tls.before"
probe out4 --set mail-to=alice@example.org --set "smtp=localhost:$TLSPORT" \
    --set smtp-user=alice --set "smtp-password-file=$T/pw" \
    --unsent "$T/unsent4" job-failed
check "untrusted certificate: not sent (rc $RC)" [ "$RC" -eq 1 ]
check "... the warning says why" grep -q "server certificate not trusted" "$T/out4"
check "... no AUTH was attempted" [ "$(grep -c '"event": "auth"' \
    "$T/tls/log.jsonl")" -eq "$(grep -c '"event": "auth"' "$T/tls.before")" ]
check "... not retried (a certificate will not change)" grep -q "(1 try)" "$T/out4"
check "... saved as unsent-1.eml" [ -f "$T/unsent4/unsent-1.eml" ]

start_server cleartext smtpd.py --user alice --password 'p4ss w0rd' \
    --auth-without-tls
probe out5 --set mail-to=alice@example.org --set "smtp=localhost:$PORT" \
    --set smtp-user=alice --set "smtp-password-file=$T/pw" \
    --unsent "$T/unsent5" job-failed
check "server without STARTTLS: not sent (rc $RC)" [ "$RC" -eq 1 ]
check "... the warning says the server lacks STARTTLS" \
    grep -q "does not offer STARTTLS" "$T/out5"
check "... and the credentials were never sent" \
    sh -c '! grep -q "\"event\": \"auth\"" "$1/cleartext/log.jsonl"' x "$T"

start_server refuse smtpd.py --reject 550
probe out5b --set mail-to=a@example.org,b@example.org \
    --set "smtp=localhost:$PORT" --unsent "$T/unsent5b" run-done
check "refused recipients: reported with the server's answer, 1 try" grep -q \
    "recipients refused: a@example.org: 550 5.7.1 rejected for the test; b@example.org: 550.*(1 try)" \
    "$T/out5b"
check "refused recipients: saved as .eml" [ -f "$T/unsent5b/unsent-1.eml" ]

# --- implicit TLS (smtps) -------------------------------------------------
start_server smtps smtpd.py --tls tls --cert "$T/cert.pem" \
    --key "$T/key.pem" --user alice --password 'p4ss w0rd'
probe out6 --set mail-to=alice@example.org --set "smtp=localhost:$PORT" \
    --set smtp-tls=tls --set smtp-user=alice --set "smtp-password-file=$T/pw" \
    --set "smtp-ca-file=$T/cert.pem" --unsent "$T/unsent6" run-done
check "smtps: sent (rc $RC)" [ "$RC" -eq 0 ]
check "smtps: authenticated message over TLS" log_has "$T/smtps" \
    "e.get('event') == 'message' and e['tls'] and e['authenticated']"

# --- server down, black hole ----------------------------------------------
probe out7 --set mail-to=alice@example.org --set smtp=localhost:1 \
    --set mail-wait=3 --unsent "$T/unsent7" job-failed run-done
check "server down: notify_finish returns within the bound (${SECS}s)" \
    [ "$SECS" -le 4 ]
check "server down: rc 1, 2 unsent" grep -qx "unsent: 2" "$T/out7"
check "server down: both saved as .eml" \
    [ "$(count_files "$T/unsent7" 'unsent-*.eml')" -eq 2 ]
mail "$T/unsent7/unsent-2.eml" >"$T/m7" 2>&1
check "server down: a saved .eml is a whole message" \
    grep -qx "subject=\[distribute\] nightly: 37/40 ok, 3 failed (2h13m)" "$T/m7"
check "server down: the warning gives the reason" \
    grep -q "Connection refused" "$T/out7"

start_server hole smtpd.py --blackhole
probe out8 --set mail-to=alice@example.org --set "smtp=localhost:$PORT" \
    --set mail-wait=3 --unsent "$T/unsent8" job-failed run-done
check "black hole: notify_finish returns within the bound + 2 s (${SECS}s)" \
    [ "$SECS" -le 5 ]
check "black hole: the server was reached" [ -s "$T/hole/log.jsonl" ]
check "black hole: both messages saved as .eml" \
    [ "$(count_files "$T/unsent8" 'unsent-*.eml')" -eq 2 ]
check "black hole: the one in flight is reported as such" \
    grep -q "still being sent after 3s" "$T/out8"

# --- webhooks ---------------------------------------------------------------
start_server hook httpd.py
HOOK=http://127.0.0.1:$PORT/hook/T0K3N-SECRET
start_server hook500 httpd.py --status 500
HOOK500=http://127.0.0.1:$PORT/fail/T0K3N-OTHER
probe out9 --set "notify-url=$HOOK" --set "notify-url=$HOOK500" \
    --set mail-on=job-failed,machine-done,run-done --set mail-wait=8 \
    --unsent "$T/unsent9" job-failed machine-done run-done
check "webhook: a failing hook is not fatal (rc $RC, ${SECS}s)" \
    sh -c '[ "$1" -eq 1 ] && [ "$2" -le 9 ]' x "$RC" "$SECS"
check "webhook: one POST per event" \
    [ "$(count_files "$T/hook" '*.json')" -eq 3 ]
check "webhook: every body is valid JSON with the event" "$PY" -c '
import json, sys
evs = [json.load(open(f))["event"] for f in sys.argv[1:]]
sys.exit(0 if sorted(evs) == ["job-failed", "machine-done", "run-done"] else 1)
' "$T"/hook/1.json "$T"/hook/2.json "$T"/hook/3.json
check "webhook: run-done fields" "$PY" -c '
import json, sys
d = [json.load(open(f)) for f in sys.argv[1:]]
r = [x for x in d if x["event"] == "run-done"][0]
sys.exit(0 if (r["ok"], r["failed"], r["total"], r["name"]) == (37, 3, 40, "nightly") and "37/40 ok" in r["text"] else 1)
' "$T"/hook/1.json "$T"/hook/2.json "$T"/hook/3.json
check "webhook: sent as application/json" log_has "$T/hook" \
    "e['content_type'] == 'application/json'"
check "webhook: the HTTP 500 is reported by number, 3 tries" \
    grep -q "run-done webhook #2: HTTP 500 (3 tries)" "$T/out9"
check "webhook: no URL in the output or any file written" \
    sh -c '! grep -rq "T0K3N" "$1/out9" "$1/unsent9" 2>/dev/null' x "$T"

probe out10 --set "notify-url=$HOOK" --set notify-format=slack run-done
check "slack: delivered (rc $RC)" [ "$RC" -eq 0 ]
check "slack: the body is only {\"text\": ...}" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if list(d) == ["text"] and d["text"].startswith("[distribute] nightly: 37/40") else 1)
' "$T/hook/4.json"

# --- settings file, command line first -------------------------------------
start_server set smtpd.py
cat >"$T/settings" <<EOF
# notify settings
mail-to = carol@example.org
smtp = localhost:$PORT
mail-on = machine-done
EOF
probe out11 --settings "$T/settings" --set mail-on=run-done \
    machine-done run-done
check "settings: sent (rc $RC)" [ "$RC" -eq 0 ]
check "settings: recipient and server from the file, mail-on from the command line" \
    sh -c '[ "$(grep -c "\"event\": \"message\"" "$1")" -eq 1 ] &&
    grep -q "\"rcpt_tos\": \[\"carol@example.org\"\]" "$1"' x "$T/set/log.jsonl"
mail "$T/set/1.eml" >"$T/m11" 2>&1
check "settings: the one mail is run-done" grep -q "^subject=.*37/40 ok" "$T/m11"
printf 'smtp-tls = maybe\n' >"$T/bad-settings"
probe out12 --settings "$T/bad-settings" run-done
check "settings: an error names FILE:LINE (rc $RC)" \
    grep -q "bad-settings:1: smtp-tls: invalid value 'maybe'" "$T/out12"

stop_servers
done_testing
