#!/usr/bin/python3
"""httpd.py - a webhook receiver for the tests.

Saves each POST body as DIR/N.json and appends a JSON line to DIR/log.jsonl:
{"file": "N.json", "path": ..., "content_type": ..., "status": CODE}.
Answers every POST with --status (default 200).  Listens on 127.0.0.1 on a
free port, written to --port-file once it listens.

usage: httpd.py --dir DIR --port-file FILE [--status CODE] [--delay SECONDS]
"""
import argparse
import http.server
import itertools
import json
import os
import threading
import time


def make_handler(args):
    count = itertools.count(1)
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                name = "%d.json" % next(count)
                with open(os.path.join(args.dir, name), "wb") as f:
                    f.write(body)
                with open(os.path.join(args.dir, "log.jsonl"), "a") as f:
                    f.write(json.dumps({
                        "file": name, "path": self.path,
                        "content_type": self.headers.get("Content-Type"),
                        "status": args.status}) + "\n")
            if args.delay:
                time.sleep(args.delay)
            self.send_response(args.status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"ok\n")

        def log_message(self, fmt, *a):
            pass
    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--status", type=int, default=200)
    p.add_argument("--delay", type=float, default=0)
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             make_handler(args))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
