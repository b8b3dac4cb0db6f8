"""Signing a document's file behind one small interface. The first signer is GovHub's own approval signature
(an HMAC seal over who, when and the file's SHA-256, keyed by the server's secret); a certificate-based signer
(a USB token or a remote signing service issuing a PKCS#7/PAdES signature) can implement the same Protocol."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from govhub.config import get_settings


@dataclass(frozen=True)
class SignRequest:
    """What is being signed, and by whom."""

    document_id: int
    file_id: int
    sha256: str
    signer_id: int
    signed_at: datetime


class Signer(Protocol):
    """A way of signing: ``method`` names it in the signature row; ``seal`` is what it produces."""

    method: str

    def seal(self, request: SignRequest) -> str:
        """The signature material for ``request`` (stored with the signature row)."""

    def verify(self, request: SignRequest, seal: str) -> bool:
        """Whether ``seal`` is a valid signature of ``request``."""


def _message(request: SignRequest) -> bytes:
    return "|".join([str(request.document_id), str(request.file_id), request.sha256, str(request.signer_id),
                     request.signed_at.isoformat()]).encode()


class ApprovalSigner:
    """GovHub's approval signature: the signed-in official approved this exact file at this instant."""

    method = "govhub-approval"

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key

    def _secret(self) -> bytes:
        return self._key or hashlib.sha256(b"govhub-doc-seal|" + get_settings().secret_key.encode()).digest()

    def seal(self, request: SignRequest) -> str:
        return hmac.new(self._secret(), _message(request), hashlib.sha256).hexdigest()

    def verify(self, request: SignRequest, seal: str) -> bool:
        return hmac.compare_digest(self.seal(request), seal)


_signers: dict[str, Signer] = {ApprovalSigner.method: ApprovalSigner()}
DEFAULT_METHOD = ApprovalSigner.method


def get_signer(method: str = DEFAULT_METHOD) -> Signer:
    """The signer registered under ``method``."""
    return _signers[method]


def register_signer(signer: Signer) -> None:
    """Make another way of signing available (e.g. a certificate-based one)."""
    _signers[signer.method] = signer
