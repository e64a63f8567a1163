"""Check an authenticator app key before it reaches Amazon, and show its current code."""

from __future__ import annotations

from functools import cache
import re

from .errors import AmazonInputError

_BASE32 = re.compile(r"[A-Z2-7]+")
_CODE = re.compile(r"\d{6,8}")
# Amazon shows 52-character keys (256 bits). pyotp, which alexapy uses to make the codes,
# refuses keys under 112 bits (pyotp.OTP.min_secret_length_bits): 23 characters at least.
_KEY_LENGTH = 52
_MAX_KEY = 128
# Base32 decodes only when the last group of 8 characters holds whole bytes.
_DECODABLE_REMAINDERS = frozenset({0, 2, 4, 5, 7})


@cache
def _min_key() -> int:
    """Return the fewest base32 characters pyotp accepts (it is loaded on first use)."""
    import pyotp  # noqa: PLC0415 - not at start: the bridge's idle memory

    return -(-pyotp.OTP.min_secret_length_bits // 5)


def validate_otp_key(key: str) -> str:
    """Return the key normalised (no spaces, upper case) or raise AmazonInputError saying why."""
    normal = re.sub(r"[\s-]+", "", key).upper().rstrip("=")
    if not normal:
        raise AmazonInputError(
            "Enter the authenticator app key Amazon showed when you added the app "
            f"(Two-Step Verification settings): {_KEY_LENGTH} letters and digits",
            field="otp_key",
        )
    if _CODE.fullmatch(normal):
        raise AmazonInputError(
            f"This looks like a {len(normal)}-digit code from your authenticator app. "
            "The bridge needs the app's KEY instead: the long text Amazon shows under "
            "'Can't scan the barcode?' when you add an authenticator app in the "
            "Two-Step Verification settings. With the key the bridge makes the codes itself",
            field="otp_key",
        )
    bad = sorted({char for char in normal if not _BASE32.fullmatch(char)})
    if bad:
        raise AmazonInputError(
            "The authenticator key may only contain the letters A-Z and the digits 2-7; "
            f"it contains {', '.join(repr(char) for char in bad)}. "
            "Copy the key again from Amazon's Two-Step Verification page",
            field="otp_key",
        )
    import pyotp  # noqa: PLC0415 - see _min_key

    if not _min_key() <= len(normal) <= _MAX_KEY or len(normal) % 8 not in _DECODABLE_REMAINDERS:
        raise AmazonInputError(
            f"The authenticator key has {len(normal)} characters; Amazon's keys have "
            f"{_KEY_LENGTH}. Copy the whole key again (the spaces Amazon groups it with "
            "do not matter)",
            field="otp_key",
        )
    try:
        pyotp.TOTP(normal).byte_secret()
    except ValueError:  # binascii.Error included: pyotp is the judge of what makes codes
        raise AmazonInputError(
            f"The authenticator key is too short to make codes (at least {_min_key()} "
            f"characters; Amazon's keys have {_KEY_LENGTH}). Copy the whole key again",
            field="otp_key",
        ) from None
    return normal


def current_otp_code(key: str) -> str:
    """Return the 6-digit code the key gives now, to compare with the authenticator app."""
    import pyotp  # noqa: PLC0415 - see _min_key

    return pyotp.TOTP(validate_otp_key(key)).now()
