#!/usr/bin/env python3
"""A loopback proxy in front of s3rver for the S3 tests.

s3rver checks that an access key exists but not SigV4 signatures; this proxy
recomputes every request's signature from what arrived (the canonical URI and
query re-encoded by AWS's rules, the signed headers, x-amz-content-sha256 as
the payload hash) and answers 403 SignatureDoesNotMatch when it differs, so
the tests prove sluice signs as S3 wants. It can also fail requests: every
Nth answered 503 SlowDown (--fail-every N), every Mth connection dropped
without an answer (--drop-every M), and a request whose target contains a
marker failed (--fail-match TEXT, --fail-count K: the first K such). Each
request is logged to --log as "METHOD target status", then " token" when it
carried x-amz-security-token.

Usage: s3_proxy.py --port P --upstream PORT --secret KEY:SECRET [...]
"""
import argparse
import hashlib
import hmac
import http.client
import http.server
import socketserver
import sys
import threading
import urllib.parse

ARGS = None
LOCK = threading.Lock()
COUNT = {"requests": 0, "matched": 0}
SECRETS = {}


def uri_encode(text, keep_slash):
    safe = "-_.~" + ("/" if keep_slash else "")
    return urllib.parse.quote(text, safe=safe)


def canonical_query(raw):
    if not raw:
        return ""
    pairs = []
    for item in raw.split("&"):
        name, _, value = item.partition("=")
        name = urllib.parse.unquote(name)
        value = urllib.parse.unquote(value)
        pairs.append((uri_encode(name, False), uri_encode(value, False)))
    pairs.sort()
    return "&".join(f"{n}={v}" for n, v in pairs)


def signature_error(method, target, headers):
    auth = headers.get("Authorization")
    if auth is None:
        return "no Authorization header"
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "not AWS4-HMAC-SHA256"
    fields = {}
    for part in auth[len("AWS4-HMAC-SHA256 "):].split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value
    credential = fields.get("Credential", "").split("/")
    if len(credential) != 5 or credential[3] != "s3" or credential[4] != "aws4_request":
        return "bad Credential scope"
    key_id, date, region = credential[0], credential[1], credential[2]
    if key_id not in SECRETS:
        return "unknown access key"
    signed = fields.get("SignedHeaders", "").split(";")
    for required in ("host", "x-amz-date", "x-amz-content-sha256"):
        if required not in signed:
            return f"{required} is not signed"
    if "x-amz-security-token" in (h.lower() for h in headers.keys()) and \
            "x-amz-security-token" not in signed:
        return "x-amz-security-token is not signed"
    path, _, query = target.partition("?")
    canonical_headers = ""
    for name in signed:
        value = headers.get(name)
        if value is None:
            return f"signed header {name} is missing"
        canonical_headers += f"{name}:{' '.join(value.split())}\n"
    payload = headers.get("x-amz-content-sha256")
    canonical = "\n".join([method, uri_encode(urllib.parse.unquote(path), True),
                           canonical_query(query), canonical_headers, ";".join(signed), payload])
    amz_date = headers.get("x-amz-date")
    scope = f"{date}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + SECRETS[key_id]).encode()
    for step in (date, region, "s3", "aws4_request"):
        key = hmac.new(key, step.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields.get("Signature", "")):
        return "signature differs; canonical request was:\n" + canonical
    return None


def error_xml(code, message):
    return (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>").encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def log_line(self, status):
        if ARGS.log:
            with LOCK, open(ARGS.log, "a") as log:
                token = " token" if "x-amz-security-token" in self.headers else ""
                log.write(f"{self.command} {self.path} {status}{token}\n")

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length", "0") or 0)
        return self.rfile.read(length) if length else b""

    def answer(self, status, body, headers=()):
        self.log_line(status)  # before the answer: a client reading the log after it sees it
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if not any(name.lower() == "content-length" for name, _ in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        body = self.read_body()
        with LOCK:
            COUNT["requests"] += 1
            number = COUNT["requests"]
            matched = ARGS.fail_match and ARGS.fail_match in self.path
            if matched:
                COUNT["matched"] += 1
            fail_matched = matched and COUNT["matched"] <= ARGS.fail_count
        if ARGS.drop_every and number % ARGS.drop_every == 0:
            self.log_line("dropped")
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fail_matched or (ARGS.fail_every and number % ARGS.fail_every == 0):
            self.answer(503, error_xml("SlowDown", "Please reduce your request rate."),
                        [("Content-Type", "application/xml")])
            return
        problem = signature_error(self.command, self.path, self.headers)
        if problem is not None:
            sys.stderr.write(f"s3_proxy: {self.command} {self.path}: {problem}\n")
            self.answer(403, error_xml("SignatureDoesNotMatch", problem.split("\n")[0]),
                        [("Content-Type", "application/xml")])
            return
        upstream = http.client.HTTPConnection("127.0.0.1", ARGS.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "transfer-encoding", "content-length", "expect")}
        headers["Content-Length"] = str(len(body))
        upstream.request(self.command, self.path, body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        passed = [(k, v) for k, v in response.getheaders()
                  if k.lower() not in ("connection", "keep-alive", "transfer-encoding",
                                       "content-length")]
        if self.command == "HEAD":
            passed.append(("Content-Length", response.getheader("Content-Length", "0")))
        upstream.close()
        self.answer(response.status, data, passed)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", type=int, required=True)
    parser.add_argument("--secret", action="append", default=[])
    parser.add_argument("--fail-every", type=int, default=0)
    parser.add_argument("--drop-every", type=int, default=0)
    parser.add_argument("--fail-match", default="")
    parser.add_argument("--fail-count", type=int, default=0)
    parser.add_argument("--log", default="")
    ARGS = parser.parse_args()
    for pair in ARGS.secret:
        key_id, _, secret = pair.partition(":")
        SECRETS[key_id] = secret
    server = Server(("127.0.0.1", ARGS.port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
