"""ID token validation: real tokens from the real provider process, and tokens crafted here (another audience,
expired, a wrong nonce, an unknown signing key, a forged signature, alg none/HS256, missing claims), and the
key cache that fetches the provider's keys again when an unknown key id appears."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from govhub.auth.oidc import OidcClient, OidcError, TokenResult
from tests.oidc_support import CLIENT_ID, CLIENT_SECRET, Provider, authenticate, run_provider

REDIRECT = "http://testserver/auth/oidc/callback"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with run_provider([REDIRECT], ["http://testserver/login"], tmp_path_factory.mktemp("op") / "op.log") as op:
        yield op


def real_login(client: OidcClient, login: str = "ct.saigon@tphcm.gov.vn") -> tuple[TokenResult, str]:
    """The whole code flow against the provider; returns the validated result and the nonce used."""
    request = client.new_request(REDIRECT)
    callback = parse_qs(urlsplit(authenticate(request.url, login)).query)
    assert callback["state"] == [request.state]
    result = client.exchange_code(callback["code"][0], code_verifier=request.code_verifier, redirect_uri=REDIRECT,
                                  nonce=request.nonce)
    return result, request.nonce


def test_real_tokens_validate_and_refusals_name_the_check(provider: Provider) -> None:
    client = OidcClient(provider.issuer, CLIENT_ID, CLIENT_SECRET)
    result, nonce = real_login(client)
    assert result.claims["email"] == "ct.saigon@tphcm.gov.vn" and result.claims["aud"] == CLIENT_ID
    assert client.validate_id_token(result.id_token, nonce=nonce)["sub"] == result.claims["sub"]

    with pytest.raises(OidcError) as wrong_nonce:
        client.validate_id_token(result.id_token, nonce="another-nonce")
    assert wrong_nonce.value.code == "nonce"

    other_client = OidcClient(provider.issuer, "another-client", "x")
    with pytest.raises(OidcError) as other_audience:
        other_client.validate_id_token(result.id_token, nonce=nonce)
    assert other_audience.value.code == "audience"

    later = OidcClient(provider.issuer, CLIENT_ID, CLIENT_SECRET, clock=lambda: time.time() + 3600)
    with pytest.raises(OidcError) as expired:
        later.validate_id_token(result.id_token, nonce=nonce)
    assert expired.value.code == "expired"

    # The code was single use at the provider too.
    with pytest.raises(OidcError) as reused:
        client.exchange_code("definitely-not-a-code", code_verifier="x" * 64, redirect_uri=REDIRECT, nonce=nonce)
    assert reused.value.code == "token_refused"


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(provider: Provider) -> None:
    client = OidcClient(provider.issuer, CLIENT_ID, CLIENT_SECRET)
    request = client.new_request(REDIRECT)
    code = parse_qs(urlsplit(authenticate(request.url, "ct.saigon@tphcm.gov.vn")).query)["code"][0]
    with pytest.raises(OidcError) as refused:
        client.exchange_code(code, code_verifier="w" * 64, redirect_uri=REDIRECT, nonce=request.nonce)
    assert refused.value.code == "token_refused"


def test_a_token_signed_with_an_unknown_key_is_refused_after_one_refetch(provider: Provider) -> None:
    client = OidcClient(provider.issuer, CLIENT_ID, CLIENT_SECRET, jwks_min_refresh=0)
    now = int(time.time())
    rogue = RSAKey.generate_key(2048, parameters={"kid": "rogue-key"})
    forged = jwt.encode({"alg": "RS256", "kid": "rogue-key"},
                        {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "x", "iat": now, "exp": now + 300,
                         "nonce": "n"}, rogue)
    with pytest.raises(OidcError) as unknown:
        client.validate_id_token(forged, nonce="n")
    assert unknown.value.code == "unknown_key"
    assert client.jwks_fetches == 2  # the cached set, then once more looking for the new key id

    # A forged token naming the provider's real key id fails the signature check instead.
    real_kid = httpx.get(f"{provider.issuer}/jwks").json()["keys"][0]["kid"]
    forged_same_kid = jwt.encode({"alg": "RS256", "kid": real_kid},
                                 {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "x", "iat": now,
                                  "exp": now + 300, "nonce": "n"}, rogue)
    with pytest.raises(OidcError) as forged_sig:
        client.validate_id_token(forged_same_kid, nonce="n")
    assert forged_sig.value.code == "bad_signature"


def test_a_stale_key_cache_picks_up_the_providers_new_key(provider: Provider) -> None:
    """Key rotation: the worker cached an old key set; the new key id makes it fetch the keys again."""
    client = OidcClient(provider.issuer, CLIENT_ID, CLIENT_SECRET, jwks_min_refresh=0)
    client._jwks, client._jwks_at = KeySet([RSAKey.generate_key(2048, parameters={"kid": "old"})]), time.monotonic()
    result, _nonce = real_login(client)
    assert result.claims["email"] == "ct.saigon@tphcm.gov.vn" and client.jwks_fetches == 1


# --- crafted tokens against a provider simulated in-process (discovery + JWKS), one check at a time -------

ISSUER = "https://sso.example.test"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
NEW_KEY = RSAKey.generate_key(2048, parameters={"kid": "k2"})


def fake_provider(keys: list[list[RSAKey]]) -> tuple[httpx.MockTransport, list[int]]:
    """Discovery and a JWKS that serves ``keys[i]`` on the i-th fetch (the last one after that)."""
    fetches = [0]

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(200, json={"issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/auth",
                                             "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/jwks",
                                             "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"]})
        if request.url.path == "/jwks":
            current = keys[min(fetches[0], len(keys) - 1)]
            fetches[0] += 1
            return httpx.Response(200, json=KeySet(current).as_dict(private=False))
        return httpx.Response(404)

    return httpx.MockTransport(handle), fetches


def claims(**changes: object) -> dict:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": CLIENT_ID, "sub": "alice", "iat": now, "exp": now + 300, "nonce": "n-1"}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def signed(payload: dict, key: RSAKey = KEY, header: dict | None = None) -> str:
    return jwt.encode(header or {"alg": "RS256", "kid": key.kid}, payload, key)


def make_client(keys: list[list[RSAKey]] | None = None, **kwargs: object) -> tuple[OidcClient, list[int]]:
    transport, fetches = fake_provider(keys or [[KEY]])
    return OidcClient(ISSUER, CLIENT_ID, "secret", transport=transport, **kwargs), fetches


def test_a_good_crafted_token_passes() -> None:
    client, _ = make_client()
    assert client.validate_id_token(signed(claims()), nonce="n-1")["sub"] == "alice"


# Built when the test runs (not at collection: a long suite would let the "good" tokens expire first).
CRAFTED = {
    "other-audience": (lambda: claims(aud="someone-else"), "audience"),
    "multi-audience-no-azp": (lambda: claims(aud=["someone-else", CLIENT_ID]), "audience"),
    "other-issuer": (lambda: claims(iss="https://evil.example.test"), "issuer"),
    "expired": (lambda: claims(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200), "expired"),
    "wrong-nonce": (lambda: claims(nonce="n-2"), "nonce"),
    "no-nonce": (lambda: claims(nonce=None), "nonce"),
    "no-sub": (lambda: claims(sub=None), "claims"),
    "issued-in-the-future": (lambda: claims(iat=int(time.time()) + 3600, exp=int(time.time()) + 7200), "claims"),
}


@pytest.mark.parametrize("case", list(CRAFTED))
def test_crafted_tokens_are_refused(case: str) -> None:
    make, code = CRAFTED[case]
    client, _ = make_client()
    with pytest.raises(OidcError) as refused:
        client.validate_id_token(signed(make()), nonce="n-1")
    assert refused.value.code == code


def test_several_audiences_with_azp_pass() -> None:
    client, _ = make_client()
    token = signed(claims(aud=[CLIENT_ID, "other"], azp=CLIENT_ID))
    assert client.validate_id_token(token, nonce="n-1")["azp"] == CLIENT_ID


def test_unsigned_and_hmac_tokens_are_refused() -> None:
    client, _ = make_client()
    body = json.dumps(claims()).encode()

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    none_header = b64(b'{"alg":"none"}')
    unsigned = f"{none_header}.{b64(body)}."
    hmac = jwt.encode({"alg": "HS256"}, claims(), OctKey.import_key("secret" * 6))
    for token, code in ((unsigned, "bad_algorithm"), (hmac, "bad_algorithm"), ("a.b", "malformed"),
                        ("x" * 20000, "malformed"), ("!!!.###.$$$", "malformed")):
        with pytest.raises(OidcError) as refused:
            client.validate_id_token(token, nonce="n-1")
        assert refused.value.code == code, token[:30]


def test_key_rotation_refetches_once_and_is_rate_limited() -> None:
    client, fetches = make_client([[KEY], [KEY, NEW_KEY]], jwks_min_refresh=0)
    assert client.validate_id_token(signed(claims()), nonce="n-1")
    assert client.validate_id_token(signed(claims(), NEW_KEY), nonce="n-1")["sub"] == "alice"
    assert fetches[0] == 2

    # Within the refresh interval, an unknown key id does not make the worker hammer the provider.
    limited, fetches = make_client([[KEY]], jwks_min_refresh=3600)
    limited.validate_id_token(signed(claims()), nonce="n-1")
    for _ in range(3):
        with pytest.raises(OidcError) as refused:
            limited.validate_id_token(signed(claims(), NEW_KEY), nonce="n-1")
        assert refused.value.code == "unknown_key"
    assert fetches[0] == 1


def test_discovery_must_name_the_configured_issuer() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"issuer": "https://impostor.test", "authorization_endpoint": "a",
                                         "token_endpoint": "t", "jwks_uri": "j"})

    client = OidcClient(ISSUER, CLIENT_ID, "s", transport=httpx.MockTransport(handle))
    with pytest.raises(OidcError) as refused:
        client.new_request(REDIRECT)
    assert refused.value.code == "provider_error"


def test_an_unreachable_provider_is_a_clean_refusal() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = OidcClient(ISSUER, CLIENT_ID, "s", transport=httpx.MockTransport(handle))
    with pytest.raises(OidcError) as refused:
        client.new_request(REDIRECT)
    assert refused.value.code == "provider_unreachable"
    assert client.end_session_url(id_token_hint="x", post_logout_redirect_uri="https://a/login") is None
