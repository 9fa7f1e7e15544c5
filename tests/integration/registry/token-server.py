#!/usr/bin/env python3
"""A small token server for the registry's "token" auth mode, for tests only.

It issues RS256 JWTs signed with openssl (no Python crypto library needed), the way
docker/distribution expects them: header "kid" is the libtrust key id of the signing
key, claims iss/aud/sub/exp/nbf/iat/jti and "access".

  GET  /token?service=…&scope=…&account=…   (Basic auth or anonymous)
  POST /token   grant_type=refresh_token&refresh_token=…&scope=…   (OAuth2)

Users (--user NAME:PASSWORD, repeatable) get every action they ask for. Anonymous
clients get "pull" on repositories under --anonymous-prefix. Refresh tokens
(--refresh-token TOKEN:NAME) stand for users. Every request is logged as one JSON line
to --log without secrets (which user, which scopes, whether Basic auth was used).
The server stops by itself after --lifetime seconds.
"""

import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def libtrust_key_id(cert_path):
    pem = subprocess.run(["openssl", "x509", "-in", cert_path, "-pubkey", "-noout"],
                         check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pem,
                         check=True, capture_output=True).stdout
    digest = hashlib.sha256(der).digest()[:30]
    b32 = base64.b32encode(digest).decode().rstrip("=")
    return ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))


class State:
    def __init__(self, args):
        self.args = args
        self.kid = libtrust_key_id(args.cert)
        self.users = dict(u.split(":", 1) for u in args.user)
        self.refresh = dict(r.split(":", 1) for r in args.refresh_token)
        self.lock = threading.Lock()
        self.counter = 0

    def log(self, entry):
        with self.lock:
            with open(self.args.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def sign(self, subject, access):
        with self.lock:
            self.counter += 1
            jti = "jti-%d-%d" % (os.getpid(), self.counter)
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "kid": self.kid}
        claims = {"iss": self.args.issuer, "sub": subject, "aud": self.args.service,
                  "exp": now + 300, "nbf": now - 10, "iat": now, "jti": jti,
                  "access": access}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode()))
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.args.key],
                                   input=signing_input.encode(), check=True,
                                   capture_output=True).stdout
        return signing_input + "." + b64url(signature)

    def grant(self, user, scopes):
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) < 3 or parts[0] != "repository":
                continue
            name = ":".join(parts[1:-1])
            wanted = [a for a in parts[-1].split(",") if a]
            if user is None:
                actions = ["pull"] if ("pull" in wanted and
                                       name.startswith(self.args.anonymous_prefix)) else []
            else:
                actions = wanted
            access.append({"type": "repository", "name": name, "actions": actions})
        return access


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def deny(self, why):
        self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": why}]})

    def issue(self, user, scopes, how):
        state = self.server.state
        access = state.grant(user, scopes)
        state.log({"method": self.command, "how": how, "user": user, "scopes": scopes,
                   "granted": access})
        token = state.sign(user or "", access)
        self.reply(200, {"token": token, "access_token": token, "expires_in": 300,
                         "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})

    def do_GET(self):
        state = self.server.state
        url = urllib.parse.urlparse(self.path)
        if url.path != "/token":
            return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such path"}]})
        query = urllib.parse.parse_qs(url.query)
        if query.get("service", [""])[0] != state.args.service:
            return self.reply(400, {"errors": [{"code": "BAD_REQUEST",
                                                "message": "unknown service"}]})
        scopes = query.get("scope", [])
        user = None
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                name, password = base64.b64decode(auth[6:]).decode().split(":", 1)
            except Exception:
                return self.deny("bad Basic header")
            if state.users.get(name) != password:
                state.log({"method": "GET", "how": "basic", "user": name, "denied": True})
                return self.deny("invalid username or password")
            user = name
        self.issue(user, scopes, "basic" if user else "anonymous")

    def do_POST(self):
        state = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        if form.get("grant_type", [""])[0] != "refresh_token":
            return self.reply(400, {"errors": [{"code": "BAD_REQUEST",
                                                "message": "unsupported grant"}]})
        user = state.refresh.get(form.get("refresh_token", [""])[0])
        if user is None:
            state.log({"method": "POST", "how": "refresh", "denied": True})
            return self.deny("invalid refresh token")
        scopes = " ".join(form.get("scope", [""])).split()
        self.issue(user, scopes, "refresh")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--service", required=True)
    parser.add_argument("--user", action="append", default=[])
    parser.add_argument("--refresh-token", action="append", default=[])
    parser.add_argument("--anonymous-prefix", default="public/")
    parser.add_argument("--log", required=True)
    parser.add_argument("--lifetime", type=int, default=900)
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.state = State(args)
    threading.Timer(args.lifetime, server.shutdown).start()
    print("ready", flush=True)
    server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
