#!/usr/bin/env python3
"""A misbehaving reverse proxy in front of a real registry, for tests only.

It forwards every request to --upstream (plain HTTP on loopback) and misbehaves in
one way, chosen by --mode:

  none      forward only
  429       answer the first --count requests for each manifest with 429 and
            "Retry-After: --retry-after"
  drop      for the first GET of each blob larger than 1000 bytes, send the headers
            and half of the body, then close the connection
  paging    serve tag lists in pages of --page-size tags, with Link rel="next"
            headers (Debian's registry returns every tag at once)
  redirect  answer blob GETs with a 307 to another origin (http://localhost:--cdn-port),
            which serves the blob itself, fetched with --upstream-auth

Every request is logged as one JSON line to --log: method, path, whether an
Authorization header came, the Range header, and what the proxy did. The server
stops by itself after --lifetime seconds.
"""

import argparse
import base64
import http.client
import json
import re
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate", "content-length"}


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.counts = {}

    def bump(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            return self.counts[key]

    def log(self, entry):
        with self.lock:
            with open(self.args.log, "a") as f:
                f.write(json.dumps(entry) + "\n")


def read_body(handler):
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        data = b""
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline().strip():
                    pass
                return data
            data += handler.rfile.read(size)
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length", "0") or "0")
    return handler.rfile.read(length) if length > 0 else b""


def forward(state, method, path, headers, body, extra_headers=None):
    conn = http.client.HTTPConnection(state.args.upstream, timeout=60)
    out = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
    if extra_headers:
        out.update(extra_headers)
    if body or method in ("PUT", "POST", "PATCH"):
        out["Content-Length"] = str(len(body))
    conn.request(method, path, body=body or None, headers=out)
    resp = conn.getresponse()
    data = resp.read()
    result = (resp.status, [(k, v) for k, v in resp.getheaders()
                            if k.lower() not in HOP_BY_HOP], data)
    conn.close()
    return result


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, headers, body, head=False):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def handle_any(self):
        state = self.server.state
        args = state.args
        body = read_body(self)
        entry = {"method": self.command, "path": self.path,
                 "auth": "Authorization" in self.headers,
                 "range": self.headers.get("Range"), "action": "forward",
                 "agent": self.headers.get("User-Agent", "")}
        blob = re.match(r"^/v2/(.+)/blobs/(sha256:[0-9a-f]{64})$", self.path)
        manifest = re.match(r"^/v2/(.+)/manifests/([^/?]+)$", self.path)
        tags = re.match(r"^/v2/(.+)/tags/list(\?.*)?$", self.path)

        if args.mode == "429" and manifest and self.command in ("GET", "HEAD"):
            if state.bump(("429", self.path)) <= args.count:
                entry["action"] = "429"
                state.log(entry)
                err = json.dumps({"errors": [{"code": "TOOMANYREQUESTS",
                                              "message": "slow down"}]}).encode()
                return self.send(429, [("Retry-After", str(args.retry_after)),
                                       ("Content-Type", "application/json")], err)

        if args.mode == "redirect" and blob and self.command == "GET":
            entry["action"] = "redirect"
            state.log(entry)
            where = "http://localhost:%d/cdn%s" % (args.cdn_port, self.path)
            return self.send(307, [("Location", where)], b"")

        if args.mode == "paging" and tags and self.command == "GET":
            return self.page_tags(state, entry, tags.group(1), tags.group(2) or "")

        status, headers, data = forward(state, self.command, self.path, self.headers, body)

        if (args.mode == "drop" and blob and self.command == "GET" and status == 200
                and len(data) > 1000 and "Range" not in self.headers
                and state.bump(("drop", self.path)) == 1):
            entry["action"] = "drop"
            state.log(entry)
            self.send_response(200)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return

        state.log(entry)
        self.send(status, headers, data, head=self.command == "HEAD")

    def page_tags(self, state, entry, name, query):
        status, headers, data = forward(state, "GET", "/v2/%s/tags/list" % name, self.headers,
                                        b"")
        if status != 200:
            state.log(entry)
            return self.send(status, headers, data)
        params = urllib.parse.parse_qs(query.lstrip("?"))
        size = int(params.get("n", [str(state.args.page_size)])[0])
        last = params.get("last", [None])[0]
        all_tags = sorted(json.loads(data).get("tags") or [])
        rest = [t for t in all_tags if last is None or t > last]
        page, more = rest[:size], len(rest) > size
        entry["action"] = "page"
        state.log(entry)
        out = [("Content-Type", "application/json")]
        if more:
            link = "</v2/%s/tags/list?n=%d&last=%s>; rel=\"next\"" % (
                name, size, urllib.parse.quote(page[-1]))
            out.append(("Link", link))
        self.send(200, out, json.dumps({"name": name, "tags": page}).encode())

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any


class Cdn(BaseHTTPRequestHandler):
    """The other origin blobs are redirected to; it must never see credentials."""
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        state = self.server.state
        state.log({"method": "GET", "path": self.path, "cdn": True,
                   "auth": "Authorization" in self.headers,
                   "range": self.headers.get("Range")})
        path = self.path[len("/cdn"):]
        extra = {}
        if state.args.upstream_auth:
            extra["Authorization"] = "Basic " + base64.b64encode(
                state.args.upstream_auth.encode()).decode()
        headers = {k: v for k, v in self.headers.items() if k.lower() == "range"}
        status, out, data = forward(state, "GET", path, headers, b"", extra)
        self.send_response(status)
        for k, v in out:
            if k.lower() not in ("www-authenticate",):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--mode", default="none",
                        choices=["none", "429", "drop", "paging", "redirect"])
    parser.add_argument("--count", type=int, default=2)
    parser.add_argument("--retry-after", type=int, default=1)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--cdn-port", type=int, default=0)
    parser.add_argument("--upstream-auth", default="")
    parser.add_argument("--log", required=True)
    parser.add_argument("--lifetime", type=int, default=900)
    args = parser.parse_args()

    state = State(args)
    servers = [ThreadingHTTPServer(("127.0.0.1", args.port), Proxy)]
    if args.mode == "redirect":
        servers.append(ThreadingHTTPServer(("127.0.0.1", args.cdn_port), Cdn))
    for s in servers:
        s.state = state
        s.daemon_threads = True
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()

    def stop():
        for s in servers:
            s.shutdown()

    threading.Timer(args.lifetime, stop).start()
    print("ready", flush=True)
    servers[0].serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
