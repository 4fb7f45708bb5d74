#!/usr/bin/env python3
"""token-server.py - the bearer-token endpoint of a registry (Docker Hub's flow), for
registry_token.bats: GET /token?service=S&scope=repository:NAME:ACTIONS[&scope=...]. With the
right basic credentials every asked action is granted; anonymous requests get a token without
access; wrong credentials get 401. Tokens are JWTs signed RS256 with openssl (no Python
packages needed), carrying the signing certificate in x5c, which the registry's rootcertbundle
trusts.

  token-server.py PORTFILE KEY CERT ISSUER USER PASS
Listens on 127.0.0.1 on a free port, written to PORTFILE; logs one line per request to stderr."""
import base64
import http.server
import json
import subprocess
import sys
import time
import urllib.parse

portfile, key, cert, issuer, user, password = sys.argv[1:7]
with open(cert) as f:
    pem = f.read()
der = base64.b64decode("".join(l for l in pem.splitlines() if "-----" not in l))


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def token(service, access):
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
    claims = {"iss": issuer, "sub": user, "aud": service, "exp": now + 600, "nbf": now - 10,
              "iat": now, "jti": str(now) + str(time.monotonic_ns()), "access": access}
    signing = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing.encode(),
                         capture_output=True, check=True).stdout
    return signing + "." + b64(sig)


class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        auth = self.headers.get("Authorization", "")
        who = "anonymous"
        if auth.startswith("Basic "):
            if base64.b64decode(auth[6:]).decode() != user + ":" + password:
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"details":"incorrect username or password"}')
                return
            who = user
        access = []
        if who != "anonymous":
            for s in q.get("scope", []):
                typ, name, actions = s.split(":")[0], ":".join(s.split(":")[1:-1]), s.split(":")[-1]
                access.append({"type": typ, "name": name, "actions": actions.split(",")})
        t = token(q.get("service", [""])[0], access)
        body = json.dumps({"token": t, "access_token": t, "expires_in": 600}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("token: %s\n" % (fmt % args))


srv = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
