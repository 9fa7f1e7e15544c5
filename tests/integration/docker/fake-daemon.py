#!/usr/bin/env python3
# fake-daemon.py: a misbehaving Docker Engine API on a unix socket, for the failures a
# real daemon does not produce on demand.
#
#   fake-daemon.py SOCKET MODE [ARCHIVE]
#
# Every mode answers GET /_ping like dockerd (Api-Version 1.41). Then:
#   truncate-export  GET /v*/images/NAME/get sends the first half of ARCHIVE, chunked,
#                    and drops the connection without the last chunk
#   drop-load        POST /v*/images/load reads a little of the upload and drops the
#                    connection
#   refuse-load      POST /v*/images/load answers 500 with a JSON message
#   error-stream     POST /v*/images/load reads everything, answers 200 and reports an
#                    error in the progress stream, as dockerd does for a bad archive
# Serves until killed (the test stops it by PID); it exits by itself after 300 s.
import os
import signal
import socketserver
import sys
from http.server import BaseHTTPRequestHandler

SOCKET, MODE = sys.argv[1], sys.argv[2]
ARCHIVE = sys.argv[3] if len(sys.argv) > 3 else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake-daemon: " + (fmt % args) + "\n")

    def address_string(self):
        return "unix"

    def send_json(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def drop(self):
        self.wfile.flush()
        self.connection.shutdown(2)
        self.close_connection = True

    def do_GET(self):
        if self.path == "/_ping":
            self.send_response(200)
            self.send_header("Api-Version", "1.41")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")
            return
        if MODE == "truncate-export" and self.path.endswith("/get"):
            with open(ARCHIVE, "rb") as f:
                data = f.read()
            half = data[: len(data) // 2]
            self.send_response(200)
            self.send_header("Content-Type", "application/x-tar")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n" % len(half) + half + b"\r\n")
            self.drop()
            return
        self.send_json(404, '{"message":"no such image"}')

    def read_chunked(self, limit=None):
        total = 0
        while True:
            size = int(self.rfile.readline().strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return total
            self.rfile.read(size)
            self.rfile.readline()
            total += size
            if limit is not None and total >= limit:
                return total

    def do_POST(self):
        if not self.path.split("?")[0].endswith("/images/load"):
            self.send_json(404, '{"message":"page not found"}')
            return
        if MODE == "drop-load":
            self.read_chunked(limit=1024)
            self.drop()
        elif MODE == "refuse-load":
            self.read_chunked()
            self.send_json(500, '{"message":"this daemon refuses every image"}')
        elif MODE == "error-stream":
            self.read_chunked()
            self.send_json(200, '{"errorDetail":{"message":"invalid archive: no thanks"},'
                                '"error":"invalid archive: no thanks"}\n')
        else:
            self.send_json(500, '{"message":"unexpected mode"}')


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    signal.signal(signal.SIGALRM, lambda *_: os._exit(0))
    signal.alarm(300)
    if os.path.exists(SOCKET):
        os.unlink(SOCKET)
    with Server(SOCKET, Handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
