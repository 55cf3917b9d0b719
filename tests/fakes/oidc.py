"""An identity provider in the test process: discovery, JWKS, authorize and token endpoints on
a loopback port, RSA keys made here, PKCE (S256) checked like a real provider checks it; an
end_session_endpoint (RP-Initiated Logout) that a test may take away."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "cmr-search"


class FakeProvider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(4)
        self.codes: dict[str, dict[str, Any]] = {}  # code -> claims, challenge, redirect
        self.issuer = ""
        self.token_requests = 0
        self.id_tokens: list[str] = []  # as issued, oldest first
        self.offers_end_session = True
        self.discovery_fails = False
        self.discovery_garbage = False  # an answer that is no JSON (a proxy's HTML page)
        self.omitted: set[str] = set()  # keys the discovery document leaves out

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def sign(self, claims: dict[str, Any], key: Any = None, **changes: Any) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **claims,
                **changes}
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    def authorize(self, url: str, claims: dict[str, Any]) -> str:
        """What the provider does after the person signs in: a code for this request, bound to
        its PKCE challenge, and the redirect back to the app."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"claims": {**claims, "nonce": query["nonce"]},
                            "challenge": query["code_challenge"],
                            "redirect_uri": query["redirect_uri"]}
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests += 1
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge.decode() != grant["challenge"] or \
                form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE check failed"}
        self.id_tokens.append(self.sign(grant["claims"]))
        return 200, {"access_token": self.sign(grant["claims"]), "token_type": "Bearer",
                     "expires_in": 300, "id_token": self.id_tokens[-1]}

    def discovery(self) -> dict[str, Any]:
        document = {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                    "code_challenge_methods_supported": ["S256"]}
        if self.offers_end_session:
            document["end_session_endpoint"] = f"{self.issuer}/logout?realm=x"
        return {k: v for k, v in document.items() if k not in self.omitted}

    def end_session(self, url: str) -> str:
        """What the provider does when the browser arrives at its end_session_endpoint: checks
        the hint is an ID token it issued to this client (expired ones too, as providers do),
        and sends the browser back to the post-logout redirect URI with the state."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert query.pop("realm") == "x" and query["client_id"] == CLIENT_ID
        if "id_token_hint" in query:
            jwt.decode(query["id_token_hint"], self.key.public_key(), algorithms=["RS256"],
                       audience=CLIENT_ID, issuer=self.issuer, options={"verify_exp": False})
        back = urlencode({"state": query["state"]})
        return f"{query['post_logout_redirect_uri']}?{back}"


def _handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/.well-known/openid-configuration":
                if provider.discovery_fails:
                    self._send(503, {"error": "unavailable"})
                elif provider.discovery_garbage:
                    self.send_response(200)
                    self.send_header("Content-Length", "6")
                    self.end_headers()
                    self.wfile.write(b"<html>")
                else:
                    self._send(200, provider.discovery())
            elif self.path == "/jwks":
                self._send(200, provider.jwks())
            else:
                self._send(404, {"error": "not found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            self._send(*provider.token(form))

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def fake_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
