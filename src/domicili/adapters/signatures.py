"""The built-in ``otp`` signature: a simple electronic signature by one-time code.

Six-digit codes sent by SMS (by email to a party without a mobile), stored only as an
HMAC-SHA256 keyed by a per-code key that needs the secret kept outside the database
(so a copy of the database alone cannot try the 10⁶ codes), valid 15 minutes, locked
after 5 wrong attempts (Code civil art. 1366-1367; eIDAS simple signature).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import SignatureSettings
    from ..ports import SignatureMethodFactory

__all__ = ["BUILTIN", "OtpSignature"]


class OtpSignature:
    #: The channel the code went by is on the certificate's code check, not here.
    label = "Signature électronique simple par code à usage unique"

    def __init__(self, lifetime_minutes: int = 15, max_attempts: int = 5) -> None:
        self.lifetime_minutes = lifetime_minutes
        self.max_attempts = max_attempts

    @classmethod
    def from_config(cls, settings: SignatureSettings) -> OtpSignature:
        return cls(lifetime_minutes=settings.code_minutes, max_attempts=settings.max_attempts)

    def new_code(self) -> str:
        return f"{secrets.randbelow(1_000_000):06d}"

    def digest(self, code: str, salt: str) -> str:
        """HMAC-SHA256 of the code under ``salt``, the per-code key (hex) that the service
        derives from the stored salt and the secret key."""
        return hmac.new(bytes.fromhex(salt), code.encode(), hashlib.sha256).hexdigest()

    def matches(self, code: str, salt: str, digest: str) -> bool:
        return hmac.compare_digest(self.digest(code.strip(), salt), digest)


BUILTIN: dict[str, SignatureMethodFactory] = {"otp": OtpSignature}
