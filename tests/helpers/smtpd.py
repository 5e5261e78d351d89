#!/usr/bin/python3
"""smtpd.py - an SMTP server for the tests (aiosmtpd 1.4, Debian's
/usr/bin/python3).

Saves each message as DIR/N.eml and appends one JSON line per event to
DIR/log.jsonl: {"event": "connect"}, {"event": "auth", "tls": bool,
"mechanism": ..., "login": ..., "ok": bool}, {"event": "message", "file":
"N.eml", "mail_from": ..., "rcpt_tos": [...], "tls": bool,
"authenticated": bool, "login": ...}.  Listens on 127.0.0.1 and ::1 (when
available) on one free port, written to --port-file once it listens.

usage: smtpd.py --dir DIR --port-file FILE [--tls none|starttls|tls]
                [--cert PEM --key PEM] [--user U --password P]
                [--mechanisms PLAIN,LOGIN] [--auth-without-tls]
                [--reject CODE] [--blackhole]
"""
import argparse
import asyncio
import itertools
import json
import os
import socket
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def log_event(args, lock, entry):
    with lock:
        with open(os.path.join(args.dir, "log.jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\n")


def is_tls(server):
    transport = getattr(server, "transport", None)
    return (transport is not None and
            transport.get_extra_info("ssl_object") is not None)


class Handler:
    def __init__(self, args, lock):
        self.args = args
        self.lock = lock
        self.count = itertools.count(1)

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        session.host_name = hostname
        log_event(self.args, self.lock, {"event": "ehlo",
                                         "tls": is_tls(server)})
        return responses

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        if self.args.reject:
            return "%d 5.7.1 rejected for the test" % self.args.reject
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        name = "%d.eml" % next(self.count)
        with open(os.path.join(self.args.dir, name), "wb") as f:
            f.write(envelope.original_content or envelope.content)
        log_event(self.args, self.lock, {
            "event": "message", "file": name,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": is_tls(server),
            "authenticated": bool(session.authenticated),
            "login": (session.auth_data.login.decode()
                      if isinstance(session.auth_data, LoginPassword)
                      else None)})
        return "250 Message accepted"


def make_authenticator(args, lock):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and
              auth_data.login.decode() == args.user and
              auth_data.password.decode() == args.password)
        log_event(args, lock, {
            "event": "auth", "tls": is_tls(server), "mechanism": mechanism,
            "login": (auth_data.login.decode()
                      if isinstance(auth_data, LoginPassword) else None),
            "ok": ok})
        return AuthResult(success=ok, handled=False, auth_data=auth_data)
    return authenticator


def tls_context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    return ctx


def smtp_factory(args, lock, loop):
    handler = Handler(args, lock)
    all_mechs = {"PLAIN", "LOGIN"}
    keep = set(m.upper() for m in args.mechanisms.split(","))
    kwargs = dict(hostname="localhost", loop=loop,
                  auth_exclude_mechanism=sorted(all_mechs - keep))
    if args.tls == "starttls":
        kwargs.update(tls_context=tls_context(args), require_starttls=True)
    if args.user:
        kwargs.update(authenticator=make_authenticator(args, lock),
                      auth_required=True)
    # implicit TLS: aiosmtpd does not count the socket as TLS for AUTH
    kwargs["auth_require_tls"] = not (args.auth_without_tls or
                                      args.tls == "tls")

    def factory():
        log_event(args, lock, {"event": "connect"})
        return SMTP(handler, **kwargs)
    return factory


def listen_sockets():
    """Sockets on one free port on 127.0.0.1 and (if possible) ::1."""
    s4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s4.bind(("127.0.0.1", 0))
    port = s4.getsockname()[1]
    socks = [s4]
    try:
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s6.bind(("::1", port))
        socks.append(s6)
    except OSError:
        pass
    for s in socks:
        s.listen(16)
    return socks, port


def write_port(args, port):
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)


def blackhole(args, lock):
    """Accept connections and never answer."""
    socks, port = listen_sockets()
    held = []

    def serve(s):
        while True:
            c, _ = s.accept()
            held.append(c)
            log_event(args, lock, {"event": "connect"})
    for s in socks[1:]:
        threading.Thread(target=serve, args=(s,), daemon=True).start()
    write_port(args, port)
    serve(socks[0])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--tls", choices=["none", "starttls", "tls"],
                   default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--mechanisms", default="PLAIN,LOGIN")
    p.add_argument("--auth-without-tls", action="store_true")
    p.add_argument("--reject", type=int, default=0)
    p.add_argument("--blackhole", action="store_true")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    lock = threading.Lock()
    if args.blackhole:
        blackhole(args, lock)
        return
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    factory = smtp_factory(args, lock, loop)
    socks, port = listen_sockets()
    ssl_ctx = tls_context(args) if args.tls == "tls" else None
    for s in socks:
        loop.run_until_complete(loop.create_server(factory, sock=s,
                                                   ssl=ssl_ctx))
    write_port(args, port)
    loop.run_forever()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
