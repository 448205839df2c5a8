#!/usr/bin/python3
"""SMTP sink for the alert tests (#20): Debian's aiosmtpd on 127.0.0.1 with
STARTTLS required and AUTH (LOGIN/PLAIN) required after it.

Usage: alerts_smtp_sink.py CERT KEY PORT_FILE OUT_DIR USER PASSWORD
Writes each accepted message to OUT_DIR/mail-N.eml and its envelope
(recipients, the authenticated login) to OUT_DIR/mail-N.env, then the port
to PORT_FILE once listening. Runs until killed.
"""
import os
import socket
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

cert, key, port_file, out_dir, user, password = sys.argv[1:7]
count = 0


class Sink:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        base = os.path.join(out_dir, "mail-%d" % count)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".env", "w") as f:
            f.write("from %s\n" % envelope.mail_from)
            for r in envelope.rcpt_tos:
                f.write("to %s\n" % r)
            f.write("auth %s\n" % (session.auth_data.decode()
                                   if session.authenticated else "-"))
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    if (isinstance(auth_data, LoginPassword) and
            auth_data.login == user.encode() and
            auth_data.password == password.encode()):
        return AuthResult(success=True, auth_data=auth_data.login)
    return AuthResult(success=False, handled=False)


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
controller = Controller(Sink(), hostname="127.0.0.1", port=port,
                        tls_context=ctx, require_starttls=True,
                        authenticator=authenticate, auth_required=True,
                        auth_require_tls=True)
controller.start()
with open(port_file + ".tmp", "w") as f:
    f.write(str(port))
os.rename(port_file + ".tmp", port_file)
while True:
    time.sleep(3600)
