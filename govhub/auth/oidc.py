"""The OpenID Connect protocol, as a relying party: discovery, the authorization request (code flow with PKCE,
``state`` and ``nonce``), the code exchange, ID token validation and RP-initiated logout.

Authlib builds the requests (authorization URL, PKCE challenge, token request body) and its JOSE library
(joserfc) verifies the ID token. Nothing here touches the database or the browser: the routes keep the
secrets server-side and call these functions.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidTokenError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

from govhub.config import Settings, get_settings

log = logging.getLogger("govhub.oidc")

# Asymmetric algorithms only: "none" and HMAC (keyed with the client secret) are refused.
ALLOWED_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
MAX_TOKEN_CHARS = 16_384


class OidcError(Exception):
    """A refusal in the protocol; ``code`` says which check failed (it is audited, never shown raw)."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)


@dataclass(frozen=True)
class ProviderMetadata:
    """The parts of the provider's discovery document GovHub uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    end_session_endpoint: str = ""
    id_token_algs: tuple[str, ...] = ("RS256",)
    token_auth_methods: tuple[str, ...] = ("client_secret_basic",)


@dataclass
class AuthRequest:
    """The secrets of one authorization request (kept server-side) and the URL to send the browser to."""

    state: str
    nonce: str
    code_verifier: str
    url: str = ""


@dataclass
class TokenResult:
    """What the token endpoint returned, after the ID token passed validation."""

    claims: dict[str, Any]
    id_token: str
    access_token: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _b64json(segment: str) -> dict[str, Any]:
    padded = segment + "=" * (-len(segment) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    if not isinstance(value, dict):
        raise TypeError("not a JSON object")
    return value


def token_header(token: str) -> dict[str, Any]:
    """The (unverified) JOSE header of a compact JWT, or OidcError."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        raise OidcError("malformed", "not a compact JWS")
    try:
        return _b64json(token.split(".", 1)[0])
    except (ValueError, TypeError, UnicodeError) as exc:
        raise OidcError("malformed", "bad header") from exc


class OidcClient:
    """One provider, as seen by GovHub: discovery and signing keys are cached per process and refreshed
    when they go stale or when an ID token names a key id GovHub has not seen."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str | None = None,
        *,
        scopes: str = "openid email profile",
        leeway: int = 60,
        timeout: float = 10.0,
        metadata_ttl: float = 3600.0,
        jwks_min_refresh: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret or ""
        self.scopes = scopes if "openid" in scopes.split() else f"openid {scopes}"
        self.leeway = leeway
        self.metadata_ttl = metadata_ttl
        self.jwks_min_refresh = jwks_min_refresh
        self.clock = clock
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False,
                                  headers={"Accept": "application/json"})
        self._lock = threading.Lock()
        self._metadata: ProviderMetadata | None = None
        self._metadata_at = 0.0
        self._jwks: KeySet | None = None
        self._jwks_at = 0.0
        self.jwks_fetches = 0

    # --- discovery and keys -------------------------------------------------------------------------
    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = self._http.get(url)
        except httpx.HTTPError as exc:
            raise OidcError("provider_unreachable", f"{what}: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise OidcError("provider_error", f"{what}: HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise OidcError("provider_error", f"{what}: not JSON") from exc
        if not isinstance(data, dict):
            raise OidcError("provider_error", f"{what}: not a JSON object")
        return data

    def metadata(self) -> ProviderMetadata:
        """The provider's discovery document (checked: its issuer must be exactly the configured one)."""
        with self._lock:
            if self._metadata is not None and time.monotonic() - self._metadata_at < self.metadata_ttl:
                return self._metadata
        doc = self._get_json(f"{self.issuer}/.well-known/openid-configuration", "discovery")
        if str(doc.get("issuer", "")).rstrip("/") != self.issuer:
            raise OidcError("provider_error", "discovery names another issuer")
        try:
            meta = ProviderMetadata(
                issuer=str(doc["issuer"]),
                authorization_endpoint=str(doc["authorization_endpoint"]),
                token_endpoint=str(doc["token_endpoint"]),
                jwks_uri=str(doc["jwks_uri"]),
                userinfo_endpoint=str(doc.get("userinfo_endpoint") or ""),
                end_session_endpoint=str(doc.get("end_session_endpoint") or ""),
                id_token_algs=tuple(a for a in doc.get("id_token_signing_alg_values_supported") or ["RS256"]
                                    if a in ALLOWED_ALGS) or ("RS256",),
                token_auth_methods=tuple(doc.get("token_endpoint_auth_methods_supported")
                                         or ["client_secret_basic"]),
            )
        except KeyError as exc:
            raise OidcError("provider_error", f"discovery lacks {exc.args[0]}") from exc
        with self._lock:
            self._metadata, self._metadata_at = meta, time.monotonic()
        return meta

    def cached_metadata(self) -> ProviderMetadata | None:
        """The discovery document if this worker has fetched it (never fetches)."""
        return self._metadata

    def _fetch_jwks(self) -> KeySet:
        data = self._get_json(self.metadata().jwks_uri, "jwks")
        try:
            keys = KeySet.import_key_set(data)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise OidcError("provider_error", "unreadable JWKS") from exc
        with self._lock:
            self._jwks, self._jwks_at = keys, time.monotonic()
            self.jwks_fetches += 1
        return keys

    def signing_keys(self, kid: str | None) -> KeySet:
        """The provider's keys; fetched again (at most every ``jwks_min_refresh`` seconds) when ``kid``
        is not among them — that is how a key rotation at the provider is picked up."""
        keys = self._jwks
        if keys is None or time.monotonic() - self._jwks_at > self.metadata_ttl:
            keys = self._fetch_jwks()
        if kid is not None and not _has_kid(keys, kid) and time.monotonic() - self._jwks_at >= self.jwks_min_refresh:
            keys = self._fetch_jwks()
        if kid is not None and not _has_kid(keys, kid):
            raise OidcError("unknown_key", "no key with that id at the provider")
        return keys

    # --- the authorization request -------------------------------------------------------------------
    def new_request(self, redirect_uri: str, *, login_hint: str | None = None) -> AuthRequest:
        """Fresh ``state``, ``nonce`` and PKCE verifier, and the provider URL carrying the S256 challenge."""
        meta = self.metadata()
        req = AuthRequest(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                          code_verifier=generate_token(64))
        extra: dict[str, str] = {"nonce": req.nonce, "code_challenge": create_s256_code_challenge(req.code_verifier),
                                 "code_challenge_method": "S256"}
        if login_hint:
            extra["login_hint"] = login_hint
        req.url = prepare_grant_uri(meta.authorization_endpoint, self.client_id, "code", redirect_uri=redirect_uri,
                                    scope=self.scopes, state=req.state, **extra)
        return req

    # --- the code exchange and the ID token ----------------------------------------------------------
    def exchange_code(self, code: str, *, code_verifier: str, redirect_uri: str, nonce: str) -> TokenResult:
        """Trade the authorization code (with the PKCE verifier) for tokens, and validate the ID token."""
        if not isinstance(code, str) or not code or len(code) > 2048:
            raise OidcError("bad_request", "no usable code")
        meta = self.metadata()
        body = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "code_verifier": code_verifier}
        auth: tuple[str, str] | None = None
        if "client_secret_basic" in meta.token_auth_methods or "client_secret_post" not in meta.token_auth_methods:
            auth = (self.client_id, self.client_secret)
        else:
            body.update(client_id=self.client_id, client_secret=self.client_secret)
        try:
            response = self._http.post(meta.token_endpoint, data=body, auth=auth)
        except httpx.HTTPError as exc:
            raise OidcError("provider_unreachable", f"token: {exc.__class__.__name__}") from exc
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code != 200 or not isinstance(data, dict):
            error = data.get("error", "") if isinstance(data, dict) else ""
            raise OidcError("token_refused", f"HTTP {response.status_code} {str(error)[:80]}")
        id_token = data.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("token_refused", "no ID token")
        claims = self.validate_id_token(id_token, nonce=nonce)
        access = data.get("access_token") if isinstance(data.get("access_token"), str) else ""
        return TokenResult(claims=claims, id_token=id_token, access_token=access)

    def validate_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """Verify the signature with the provider's key, then issuer, audience (and azp), expiry, issue time,
        subject and nonce. Any failure raises OidcError with the check that failed."""
        header = token_header(id_token)
        alg = header.get("alg")
        if alg not in self.metadata().id_token_algs:
            raise OidcError("bad_algorithm", str(alg)[:20])
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise OidcError("malformed", "kid is not a string")
        keys = self.signing_keys(kid)
        try:
            token = jwt.decode(id_token, keys, algorithms=[alg])
        except BadSignatureError as exc:
            raise OidcError("bad_signature") from exc
        except (JoseError, ValueError, TypeError) as exc:
            raise OidcError("malformed", exc.__class__.__name__) from exc
        claims = dict(token.claims)
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(self.clock()),
            leeway=self.leeway,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError as exc:
            raise OidcError("expired") from exc
        except (InvalidClaimError, MissingClaimError) as exc:
            name = getattr(exc, "claim", "") or str(exc)
            raise OidcError({"iss": "issuer", "aud": "audience"}.get(name, "claims"), str(name)[:40]) from exc
        except (InvalidTokenError, JoseError, ValueError, TypeError) as exc:
            raise OidcError("claims", exc.__class__.__name__) from exc
        aud = claims.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != self.client_id:
            raise OidcError("audience", "azp")
        if not isinstance(claims.get("iat"), int | float) or claims["iat"] > self.clock() + self.leeway:
            raise OidcError("claims", "iat in the future")
        got = claims.get("nonce")
        if not isinstance(got, str) or not secrets.compare_digest(got.encode(), nonce.encode()):
            raise OidcError("nonce")
        if not isinstance(claims.get("sub"), str) or not claims["sub"] or len(claims["sub"]) > 255:
            raise OidcError("claims", "sub")
        return claims

    def userinfo(self, access_token: str, sub: str) -> dict[str, Any]:
        """The UserInfo claims (only when the ID token lacks the link claim); its ``sub`` must match."""
        meta = self.metadata()
        if not meta.userinfo_endpoint or not access_token:
            return {}
        try:
            response = self._http.get(meta.userinfo_endpoint, headers={"Authorization": f"Bearer {access_token}"})
            data = response.json() if response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("sub") != sub:
            return {}
        return data

    # --- sign-out ------------------------------------------------------------------------------------
    def end_session_url(self, *, id_token_hint: str, post_logout_redirect_uri: str) -> str | None:
        """Where to send the browser so the provider ends its session too (None if it offers no endpoint)."""
        try:
            endpoint = self.metadata().end_session_endpoint
        except OidcError:
            return None
        if not endpoint:
            return None
        params = [("client_id", self.client_id), ("post_logout_redirect_uri", post_logout_redirect_uri)]
        if id_token_hint:
            params.append(("id_token_hint", id_token_hint))
        return add_params_to_uri(endpoint, params)

    def close(self) -> None:
        self._http.close()


def _has_kid(keys: KeySet, kid: str) -> bool:
    return any(k.kid == kid for k in keys.keys)


def client_from_settings(settings: Settings) -> OidcClient | None:
    """An OidcClient for the configured provider, or None when single sign-on is off."""
    if not settings.oidc_enabled:
        return None
    return OidcClient(settings.oidc_issuer or "", settings.oidc_client_id or "", settings.oidc_client_secret,
                      scopes=settings.oidc_scopes, leeway=settings.oidc_clock_leeway_seconds,
                      timeout=settings.oidc_http_timeout_seconds)


@lru_cache
def get_client() -> OidcClient | None:
    """The process-wide client (its discovery and key caches are shared by every request of this worker)."""
    return client_from_settings(get_settings())
