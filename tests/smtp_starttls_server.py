#!/usr/bin/env python3
"""A minimal SMTP server with STARTTLS for the scheduled-report test (#15).

Usage: smtp_starttls_server.py CERT KEY PORT_FILE OUT_DIR [--no-starttls]
Listens on 127.0.0.1 (port 0, written to PORT_FILE), serves sessions one at
a time until killed, and writes each message's DATA to OUT_DIR/mail-N.eml
with the envelope in OUT_DIR/mail-N.env. A message sent before STARTTLS is
refused (530), so the client must upgrade. With --no-starttls the server
does not offer STARTTLS at all (the client must refuse to send).
"""
import os
import socket
import ssl
import sys

cert, key, port_file, out_dir = sys.argv[1:5]
offer_tls = "--no-starttls" not in sys.argv
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(5)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
count = 0


def serve(conn):
    global count
    f = conn.makefile("rwb")
    tls = False

    def send(line):
        f.write((line + "\r\n").encode())
        f.flush()

    send("220 localhost test SMTP")
    env = []
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.decode(errors="replace").strip()
        verb = cmd.split(" ")[0].upper()
        if verb in ("EHLO", "HELO"):
            if offer_tls and not tls:
                send("250-localhost")
                send("250 STARTTLS")
            else:
                send("250 localhost")
        elif verb == "STARTTLS" and offer_tls and not tls:
            send("220 go ahead")
            conn = ctx.wrap_socket(conn, server_side=True)
            f = conn.makefile("rwb")
            tls = True
        elif verb in ("MAIL", "RCPT"):
            if not tls:
                send("530 must issue STARTTLS first")
                continue
            env.append(cmd)
            send("250 ok")
        elif verb == "DATA":
            send("354 end with .")
            data = []
            while True:
                l = f.readline()
                if l in (b".\r\n", b".\n", b""):
                    break
                data.append(l)
            count += 1
            with open(os.path.join(out_dir, "mail-%d.eml" % count), "wb") as m:
                m.writelines(data)
            with open(os.path.join(out_dir, "mail-%d.env" % count), "w") as e:
                e.write("\n".join(env) + "\n")
            env = []
            send("250 queued")
        elif verb == "QUIT":
            send("221 bye")
            return
        else:
            send("250 ok")


while True:
    c, _ = srv.accept()
    try:
        serve(c)
    except Exception as e:  # a broken session must not stop the server
        print("session error:", e, file=sys.stderr)
    finally:
        c.close()
