"""Test certificate authorities and Alexa-style signing chains, made at test time."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
import datetime as dt
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ALEXA_SAN = "echo-api.amazon.com"


def _key() -> rsa.RSAPrivateKey:
    """Make an RSA key of the size Amazon uses."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    """Make a subject name."""
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def pem(self) -> bytes:
        """Return the certificate as PEM."""
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        """Return the private key as unencrypted PEM."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )

    def sign(self, body: bytes) -> str:
        """Sign a request body the way Alexa does (RSA PKCS#1 v1.5, SHA-256, base64)."""
        signature = self.key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode()


def _now() -> dt.datetime:
    """Return the current time."""
    return dt.datetime.now(dt.UTC)


def make_ca(
    name: str,
    issuer: Issued | None = None,
    *,
    path_length: int = 1,
    not_after: dt.datetime | None = None,
) -> Issued:
    """Make a root (no issuer) or intermediate CA with the extensions verifiers require."""
    key = _key()
    now = _now()
    signer_key = issuer.key if issuer else key
    issuer_name = issuer.cert.subject if issuer else _name(name)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    return Issued(builder.sign(signer_key, hashes.SHA256()), key)


def make_leaf(
    issuer: Issued,
    dns_names: list[str],
    *,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    ip: str | None = None,
    key: rsa.RSAPrivateKey | None = None,
) -> Issued:
    """Make a TLS server certificate (the kind Amazon signs Alexa requests with).

    Without `key` it gets a new one of its own: forgeries and renewals need that. A key made
    once (TestPKI.shared_key) saves the slow RSA key generation where no test tells keys apart.
    """
    key = key if key is not None else _key()
    now = _now()
    sans: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
    if ip:
        sans.append(x509.IPAddress(ipaddress.ip_address(ip)))
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(dns_names[0]))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
        .sign(issuer.key, hashes.SHA256())
    )
    return Issued(cert, key)


@dataclass(frozen=True)
class TestPKI:
    """A trusted root with an intermediate, plus an untrusted root for forgeries.

    Made once per test run: besides the CAs it holds one Alexa signing certificate that every
    bridge trusts by default, and one key for the fakes' TLS certificates (RSA keys are slow).
    """

    __test__ = False  # a fixture class, not tests

    root: Issued
    intermediate: Issued
    untrusted_root: Issued
    untrusted_intermediate: Issued
    shared_key: rsa.RSAPrivateKey
    alexa: Issued
    _server_leaves: dict[tuple[tuple[str, ...], str | None], Issued] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def create(cls) -> TestPKI:
        """Make the whole hierarchy."""
        root = make_ca("Test Amazon Root", path_length=2)
        untrusted = make_ca("Impostor Root", path_length=2)
        intermediate = make_ca("Test Amazon Intermediate", root, path_length=0)
        return cls(
            root=root,
            intermediate=intermediate,
            untrusted_root=untrusted,
            untrusted_intermediate=make_ca("Impostor Intermediate", untrusted, path_length=0),
            shared_key=_key(),
            alexa=make_leaf(intermediate, [ALEXA_SAN]),
        )

    def chain(self, leaf: Issued, *, untrusted: bool = False) -> bytes:
        """Return the PEM chain Amazon would serve: leaf, then intermediate."""
        middle = self.untrusted_intermediate if untrusted else self.intermediate
        return leaf.pem + middle.pem

    def alexa_leaf(self, **kwargs: object) -> Issued:
        """Issue an Alexa signing certificate, on a new key, from the trusted intermediate."""
        return make_leaf(self.intermediate, [ALEXA_SAN], **kwargs)  # type: ignore[arg-type]

    def server_leaf(self, dns_names: list[str], *, ip: str | None = None) -> Issued:
        """Return a fake's TLS certificate for these names, on the shared key, made once a run."""
        names = (tuple(dns_names), ip)
        if names not in self._server_leaves:
            self._server_leaves[names] = make_leaf(
                self.intermediate, dns_names, ip=ip, key=self.shared_key
            )
        return self._server_leaves[names]
