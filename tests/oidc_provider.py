"""A small but real OpenID Connect provider for the tests, served on 127.0.0.1 over real sockets.

It speaks the Authorization Code flow with PKCE (S256 only) the way a production provider does:
a discovery document, a JWKS with its RSA public key, an authorization endpoint that checks the
client, the redirect URI and the code challenge and then logs the configured test user in at
once (auto-consent), and a token endpoint that checks the client secret, the single-use code, the
redirect URI and the PKCE verifier before it returns an RS256-signed ID token (joserfc).

``tamper`` makes it misbehave the way an attack or a broken provider would, one thing at a time:
a wrong nonce, a foreign issuer or audience, an expired token, or a signature by a key that is
not in its JWKS (under the same key id).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, make_server

from joserfc import jwt
from joserfc.jwk import RSAKey

KID = "inbeeld-test-key"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@dataclass
class TestUser:
    subject: str = "medewerker-001"
    email: str = "a.jansen@zorg.example"
    amr: list[str] = field(default_factory=lambda: ["pwd"])


@dataclass
class OIDCProvider:
    client_id: str = "inbeeld"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    user: TestUser = field(default_factory=TestUser)
    tamper: str = ""  # "", "nonce", "issuer", "audience", "expired", "signature"
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": KID}))
    port: int = 0
    codes: dict = field(default_factory=dict)
    token_requests: list = field(default_factory=list)

    # --- lifecycle ---
    def start(self) -> OIDCProvider:
        self._server = make_server("127.0.0.1", 0, self.app, handler_class=_QuietHandler)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- the WSGI app ---
    def app(self, environ, start_response):
        path = environ["PATH_INFO"]
        routes = {
            "/.well-known/openid-configuration": self._discovery,
            "/jwks": self._jwks,
            "/authorize": self._authorize,
            "/token": self._token,
        }
        handler = routes.get(path)
        if handler is None:
            return self._json(start_response, {"error": "not_found"}, "404 Not Found")
        return handler(environ, start_response)

    @staticmethod
    def _json(start_response, body: dict, status: str = "200 OK"):
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json")])
        return [data]

    def _discovery(self, environ, start_response):
        return self._json(
            start_response,
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            },
        )

    def _jwks(self, environ, start_response):
        public = self.key.as_dict(private=False)
        return self._json(start_response, {"keys": [{**public, "alg": "RS256", "use": "sig"}]})

    def _authorize(self, environ, start_response):
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if (
            query.get("client_id") != self.client_id
            or query.get("response_type") != "code"
            or "openid" not in query.get("scope", "").split()
            or query.get("code_challenge_method") != "S256"
            or not query.get("code_challenge")
            or not query.get("redirect_uri")
        ):
            return self._json(start_response, {"error": "invalid_request"}, "400 Bad Request")
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "nonce": query.get("nonce"),
            "challenge": query["code_challenge"],
            "redirect_uri": query["redirect_uri"],
        }
        target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
        start_response("302 Found", [("Location", target)])
        return [b""]

    def _client_authenticated(self, environ, form) -> bool:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Basic "):
            user, _sep, password = base64.b64decode(header[6:]).decode().partition(":")
            return user == self.client_id and secrets.compare_digest(password, self.client_secret)
        return form.get("client_id") == self.client_id and secrets.compare_digest(
            form.get("client_secret", ""), self.client_secret
        )

    def _token(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        self.token_requests.append(form)
        if not self._client_authenticated(environ, form):
            return self._json(start_response, {"error": "invalid_client"}, "401 Unauthorized")
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        verifier = form.get("code_verifier", "")
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant["redirect_uri"]
            or challenge != grant["challenge"]
        ):
            return self._json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
        return self._json(
            start_response,
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(nonce=grant["nonce"]),
            },
        )

    def id_token(self, *, nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": self.user.subject,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": self.user.email,
            "amr": self.user.amr,
        }
        key = self.key
        if self.tamper == "nonce":
            claims["nonce"] = "een-andere-nonce"
        elif self.tamper == "issuer":
            claims["iss"] = "http://127.0.0.1:1/nep-provider"
        elif self.tamper == "audience":
            claims["aud"] = "een-andere-toepassing"
        elif self.tamper == "expired":
            claims["iat"], claims["exp"] = now - 3600, now - 1800
        elif self.tamper == "signature":
            key = RSAKey.generate_key(2048, parameters={"kid": KID})
        return jwt.encode({"alg": "RS256", "kid": KID}, claims, key)
