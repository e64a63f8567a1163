"""The system's trust anchors, loaded one certificate at a time."""

from __future__ import annotations

import logging
import os
from pathlib import Path
import re
import ssl
from typing import TYPE_CHECKING
import warnings

if TYPE_CHECKING:
    from cryptography import x509

_LOGGER = logging.getLogger(__name__)

_PEM_BLOCK = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n.+?\r?\n-----END CERTIFICATE-----", re.DOTALL
)


def system_ca_file() -> Path | None:
    """Return the CA bundle OpenSSL uses here; SSL_CERT_FILE wins, as for TLS."""
    paths = ssl.get_default_verify_paths()
    for candidate in (
        os.environ.get(paths.openssl_cafile_env),
        paths.cafile,
        paths.openssl_cafile,
    ):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def parse_pem_bundle(data: bytes) -> list[x509.Certificate]:
    """Parse every certificate of a PEM bundle, skipping ones that do not load."""
    # cryptography (about 9 MB) loads with the first Alexa request, not at start.
    from cryptography import x509  # noqa: PLC0415

    certificates = []
    skipped = 0
    for block in _PEM_BLOCK.findall(data):
        with warnings.catch_warnings():
            # Some widely trusted roots have a zero serial; cryptography warns.
            warnings.simplefilter("ignore")
            try:
                certificates.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                skipped += 1
    if skipped:
        _LOGGER.debug("Skipped %d certificates that do not parse", skipped)
    return certificates


def load_system_roots() -> list[x509.Certificate]:
    """Load the trust anchors that verify Amazon's signing certificate chain."""
    path = system_ca_file()
    if path is None:
        _LOGGER.error(
            "No CA bundle found (install ca-certificates or set SSL_CERT_FILE); "
            "Alexa requests cannot be verified"
        )
        return []
    roots = parse_pem_bundle(path.read_bytes())
    _LOGGER.debug("Loaded %d trust anchors from %s", len(roots), path)
    return roots
