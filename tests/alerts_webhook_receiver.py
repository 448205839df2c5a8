#!/usr/bin/python3
"""HTTPS webhook receiver for the alert tests (#20), and the reference check
of docs/policies.md: the signature is HMAC-SHA256 with the channel's secret
over "<X-Mamori-Timestamp>.<body>", compared in constant time, and the
timestamp must be within 300 s of the receiver's clock (no replays).

Usage: alerts_webhook_receiver.py CERT KEY PORT_FILE OUT_DIR SECRET_FILE
Answers 204 to a valid request, 401 otherwise; writes each request to
OUT_DIR/hook-N.json as {"valid", "reason", "headers", "body"}. The secret is
read from SECRET_FILE at each request (the test writes it after creating
the channel).
"""
import hashlib
import hmac
import http.server
import json
import os
import ssl
import sys
import time

cert, key, port_file, out_dir, secret_file = sys.argv[1:6]
count = 0


def check(headers, body):
    try:
        secret = open(secret_file, "rb").read().strip()
    except OSError:
        return False, "no secret yet"
    ts = headers.get("X-Mamori-Timestamp", "")
    sig = headers.get("X-Mamori-Signature", "")
    if not ts.isdigit():
        return False, "no timestamp"
    if abs(time.time() - int(ts)) > 300:
        return False, "timestamp too far from now"
    want = "sha256=" + hmac.new(secret, ts.encode() + b"." + body,
                                hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        return False, "bad signature"
    return True, "ok"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        valid, reason = check(self.headers, body)
        count += 1
        path = os.path.join(out_dir, "hook-%d.json" % count)
        with open(path + ".tmp", "w") as f:
            json.dump({"valid": valid, "reason": reason, "path": self.path,
                       "headers": dict(self.headers),
                       "body": body.decode("utf-8", "replace")}, f)
        os.rename(path + ".tmp", path)
        self.send_response(204 if valid else 401)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
