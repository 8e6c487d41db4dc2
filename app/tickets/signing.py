"""Signed QR payloads: `U1.<payload>.<signature>`, both base64url, signed with the organization's Ed25519 key.

The payload is compact JSON `{"t": ticket code, "e": event id (hex), "o": organization id (hex)}`. Scanners
verify it with the organization's public key (offline too) and then look the code up; a forged, altered or
other-organization code fails the signature or the lookup.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.tickets.models import OrganizationKey

PREFIX = "U1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _vault(secret_key: str) -> Fernet:
    """Encrypts private keys at rest with a key derived from SECRET_KEY (a database dump alone cannot sign)."""
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"usher-ticket-keys:{secret_key}".encode()).digest()))


async def signing_key(session: AsyncSession, organization_id: uuid.UUID, secret_key: str) -> Ed25519PrivateKey:
    """The organization's private key, created on first use (concurrent first uses agree on one)."""
    row = await session.get(OrganizationKey, organization_id)
    if row is None:
        private = Ed25519PrivateKey.generate()
        raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        await session.execute(
            insert(OrganizationKey)
            .values(
                organization_id=organization_id,
                public_key=private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
                private_key_encrypted=_vault(secret_key).encrypt(raw),
            )
            .on_conflict_do_nothing(index_elements=[OrganizationKey.organization_id])
        )
        row = await session.scalar(select(OrganizationKey).where(OrganizationKey.organization_id == organization_id))
    return Ed25519PrivateKey.from_private_bytes(_vault(secret_key).decrypt(row.private_key_encrypted))


async def public_key(session: AsyncSession, organization_id: uuid.UUID) -> bytes | None:
    return await session.scalar(
        select(OrganizationKey.public_key).where(OrganizationKey.organization_id == organization_id)
    )


def sign_ticket(key: Ed25519PrivateKey, code: str, event_id: uuid.UUID, organization_id: uuid.UUID) -> str:
    payload = json.dumps({"t": code, "e": event_id.hex, "o": organization_id.hex}, separators=(",", ":")).encode()
    return f"{PREFIX}.{_b64(payload)}.{_b64(key.sign(payload))}"


@dataclass(frozen=True)
class TicketClaim:
    code: str
    event_id: uuid.UUID
    organization_id: uuid.UUID


class BadTicketCode(ValueError):
    pass


def read_claim(qr_text: str) -> tuple[TicketClaim, bytes, bytes]:
    """Split a QR text into its claim, the signed bytes and the signature (not yet verified)."""
    try:
        prefix, payload_b64, signature_b64 = qr_text.strip().split(".")
        if prefix != PREFIX:
            raise BadTicketCode("not an Usher ticket")
        payload, signature = _unb64(payload_b64), _unb64(signature_b64)
        fields = json.loads(payload)
        claim = TicketClaim(str(fields["t"]), uuid.UUID(hex=fields["e"]), uuid.UUID(hex=fields["o"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise BadTicketCode("unreadable ticket code") from exc
    return claim, payload, signature


def verify_ticket(qr_text: str, public_key_bytes: bytes) -> TicketClaim:
    claim, payload, signature = read_claim(qr_text)
    try:
        Ed25519PublicKey.from_public_bytes(public_key_bytes).verify(signature, payload)
    except InvalidSignature as exc:
        raise BadTicketCode("forged or altered ticket code") from exc
    return claim
