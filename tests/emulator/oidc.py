# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's OpenID Connect issuer: one RSA key, JWTs (RS256) minted for tests and verified by STS.

The key is derived from a fixed seed, so the test process (``mint_token``) and the emulator process
(``verify_token``) hold the same key without sharing a file, and no private key is committed anywhere.
It is a test key: anyone can derive it. Only ``cryptography`` (a dependency of moto) is used.

    from emulator.oidc import ISSUER, mint_token
    token = mint_token(ISSUER, "sts.amazonaws.com", "repo:org/app:ref:refs/heads/main")
"""

from __future__ import annotations

import base64
import functools
import json
import random
import time
import typing as t

if t.TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

ISSUER = "https://oidc.emulator.invalid"
KEY_ID = "emulator-oidc-1"
_SEED = "crossaccount-emulator-oidc-issuer-v1"
_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p ** 0.5) + 1))]


class InvalidToken(ValueError):
    """Not a JWT of this issuer (malformed, wrong algorithm or wrong signature)."""


class TokenExpired(ValueError):
    """A well-signed token past its ``exp``."""

    def __init__(self, message: str, expires_at: float) -> None:
        super().__init__(message)
        self.expires_at = expires_at


def _probable_prime(n: int, rng: random.Random, rounds: int = 24) -> bool:
    if any(n % p == 0 for p in _SMALL_PRIMES):
        return False
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _round in range(rounds):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _square in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(rng: random.Random, bits: int, e: int) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if (candidate - 1) % e and _probable_prime(candidate, rng):
            return candidate


@functools.lru_cache(maxsize=1)
def issuer_key() -> RSAPrivateKey:
    """The issuer's 2048-bit RSA key, the same in every process (derived from a fixed seed)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    rng = random.Random(_SEED)  # nosec - a deterministic test key is the point
    e = 65537
    p = _prime(rng, 1024, e)
    q = _prime(rng, 1024, e)
    while q == p:
        q = _prime(rng, 1024, e)
    d = pow(e, -1, (p - 1) * (q - 1))
    public = rsa.RSAPublicNumbers(e, p * q)
    numbers = rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q), public)
    return numbers.private_key()


def other_key() -> RSAPrivateKey:
    """A fresh key that is not the issuer's (for wrongly signed tokens in tests)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _load_key(key: t.Any) -> RSAPrivateKey:
    if key is None:
        return issuer_key()
    if isinstance(key, (bytes, str)):
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        return t.cast("RSAPrivateKey", load_pem_private_key(key.encode() if isinstance(key, str) else key, password=None))
    return t.cast("RSAPrivateKey", key)


def mint_token(issuer_url: str = ISSUER, audience: str | list[str] = "sts.amazonaws.com", subject: str = "emulator-subject",
               expires_in: float = 600, key: t.Any = None, *, claims: t.Mapping[str, t.Any] | None = None,
               issued_at: float | None = None, kid: str = KEY_ID) -> str:
    """A signed JWT (RS256) as an OIDC identity provider would issue it.

    ``expires_in`` may be negative (an expired token). ``key``: None for the emulator's issuer key, or
    another RSA private key (object or PEM) for a token the emulator must refuse. ``claims`` are added to
    (or override) ``iss``, ``aud``, ``sub``, ``iat``, ``exp``.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    now = time.time() if issued_at is None else issued_at
    payload: dict[str, t.Any] = {"iss": issuer_url, "aud": audience, "sub": subject, "iat": int(now),
                                 "exp": int(now + expires_in)}
    payload.update(claims or {})
    header = {"alg": "RS256", "typ": "JWT", "kid": kid}
    signing_input = f"{_b64(json.dumps(header, separators=(',', ':')).encode())}." \
                    f"{_b64(json.dumps(payload, separators=(',', ':')).encode())}"
    signature = _load_key(key).sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


def unverified_claims(token: str) -> dict[str, t.Any]:
    """The payload of a JWT without checking anything (raises InvalidToken if it is not a JWT)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("not a JWT")
    try:
        header = json.loads(_unb64(parts[0]))
        claims = json.loads(_unb64(parts[1]))
    except ValueError as exc:
        raise InvalidToken("not a JWT") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvalidToken("not a JWT")
    return claims


def verify_token(token: str, public_key: RSAPublicKey | None = None, now: float | None = None) -> dict[str, t.Any]:
    """The claims of a token signed by the issuer key (RS256 only); InvalidToken / TokenExpired otherwise."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    claims = unverified_claims(token)
    head, body, signature = token.split(".")
    if json.loads(_unb64(head)).get("alg") != "RS256":
        raise InvalidToken("unsupported signing algorithm")
    key = public_key or issuer_key().public_key()
    try:
        key.verify(_unb64(signature), f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError) as exc:
        raise InvalidToken("signature does not verify") from exc
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise InvalidToken("no exp claim")
    if (time.time() if now is None else now) >= exp:
        raise TokenExpired("token expired", float(exp))
    return claims


def jwks() -> dict[str, t.Any]:
    """The issuer's public key as a JSON Web Key Set (what an issuer serves at its jwks_uri)."""
    numbers = issuer_key().public_key().public_numbers()

    def encode(value: int) -> str:
        return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))

    return {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": KEY_ID, "n": encode(numbers.n), "e": encode(numbers.e)}]}
