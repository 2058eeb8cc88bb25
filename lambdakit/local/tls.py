"""The local certificate authority behind the gateway's TLS listener.

Made on first run and kept in the user's cache folder (``$LAMBDAKIT_CACHE_DIR``, else
``$XDG_CACHE_HOME/lambdakit``, else ``~/.cache/lambdakit``; the folder 0700, keys 0600): a CA
that signs one server certificate for ``localhost``, ``127.0.0.1`` and ``::1``. Workers trust
the CA through ``AWS_CA_BUNDLE``, so ``boto3.client("apigatewaymanagementapi",
endpoint_url=f"https://{domainName}/{stage}")`` works unchanged. The CA's key never leaves
this folder and the CA signs nothing else; delete the folder to start afresh.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

CA_VALIDITY: Final = datetime.timedelta(days=3650)
SERVER_VALIDITY: Final = datetime.timedelta(days=365)
RENEW_BEFORE: Final = datetime.timedelta(days=30)


@dataclass(frozen=True)
class TlsFiles:
    ca_cert: Path
    cert: Path
    key: Path


def cache_dir() -> Path:
    configured = os.environ.get("LAMBDAKIT_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lambdakit"


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def _write(path: Path, data: bytes, mode: int) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.chmod(temporary, mode)
    os.replace(temporary, path)


def local_ca(directory: Path | None = None) -> TlsFiles:
    """The CA and server certificate, made if missing or about to expire."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError:
        raise ImportError(
            "The TLS listener needs cryptography: pip install 'lambdakit[local]'"
        ) from None
    folder = _private_dir((directory or cache_dir()) / "tls")
    files = TlsFiles(folder / "ca.pem", folder / "localhost.pem", folder / "localhost-key.pem")
    ca_key_path = folder / "ca-key.pem"
    now = datetime.datetime.now(datetime.timezone.utc)
    encoding = serialization.Encoding.PEM

    def valid(path: Path) -> bool:
        if not path.exists():
            return False
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
        return certificate.not_valid_after_utc - RENEW_BEFORE > now

    def key_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(
            encoding, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    if not (valid(files.ca_cert) and ca_key_path.exists()):
        ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lambdakit local CA")])
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + CA_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
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
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        _write(ca_key_path, key_bytes(ca_key), 0o600)
        _write(files.ca_cert, ca_cert.public_bytes(encoding), 0o644)
        files.cert.unlink(missing_ok=True)
    if not (valid(files.cert) and files.key.exists()):
        ca_key_loaded = serialization.load_pem_private_key(ca_key_path.read_bytes(), None)
        if not isinstance(ca_key_loaded, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{ca_key_path} is not the local CA's key")
        ca_cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + SERVER_VALIDITY)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key_loaded.public_key()),
                critical=False,
            )
            .sign(ca_key_loaded, hashes.SHA256())
        )
        _write(files.key, key_bytes(key), 0o600)
        _write(files.cert, certificate.public_bytes(encoding), 0o644)
    return files
