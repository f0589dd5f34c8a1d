"""The HTTP send: pinned to the vetted address, no redirects, bounded in time and size."""

from __future__ import annotations

import ipaddress
import socket

from idp.webhooks.sender import post
from tests.webhooks.delivery.receiver import Answer

LOOPBACK = ipaddress.ip_address("127.0.0.1")


def test_connects_to_the_vetted_address_keeping_the_host_name(receiver):
    """The name in the URL resolves nowhere: only the pinned address is used."""
    url = f"http://hooks.example.invalid:{receiver.port}/in?x=1"
    outcome = post(url, LOOPBACK, {"X-Test": "1"}, b"{}", timeout=5)
    assert outcome.ok and outcome.status_code == 204 and outcome.error is None
    [request] = receiver.wait_for(1)
    assert request.path == "/in?x=1"
    assert request.headers["host"] == f"hooks.example.invalid:{receiver.port}"
    assert request.headers["x-test"] == "1"
    assert request.body == b"{}"


def test_redirects_are_not_followed(receiver):
    receiver.answer(Answer(302, {"Location": receiver.url + "/elsewhere"}))
    outcome = post(receiver.url, LOOPBACK, {}, b"{}", timeout=5)
    assert outcome.status_code == 302 and not outcome.ok
    assert [r.path for r in receiver.wait_for(1)] == ["/hooks"]
    assert len(receiver.requests) == 1


def test_keeps_the_first_kib_of_the_answer_and_its_retry_after(receiver):
    receiver.answer(Answer(503, {"Retry-After": "120"}, b"x" * 5000))
    outcome = post(receiver.url, LOOPBACK, {}, b"{}", timeout=5)
    assert outcome.status_code == 503 and not outcome.ok
    assert outcome.body == "x" * 1024
    assert outcome.retry_after == 120


def test_a_slow_receiver_times_out(receiver):
    receiver.answer(Answer(200, delay=2))
    outcome = post(receiver.url, LOOPBACK, {}, b"{}", timeout=0.3)
    assert outcome.status_code is None and not outcome.ok
    assert outcome.error == "No answer within 0.3 s."
    assert outcome.duration_ms < 1500


def test_a_closed_port_is_a_connection_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outcome = post(f"http://127.0.0.1:{port}/", LOOPBACK, {}, b"{}", timeout=2)
    assert not outcome.ok
    assert outcome.error == f"Could not connect to 127.0.0.1:{port}: connection refused"


def test_environment_proxies_are_ignored(receiver, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    assert post(receiver.url, LOOPBACK, {}, b"{}", timeout=5).ok


def _self_signed(tmp_path, name: str):
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_tls_names_the_host_and_checks_its_certificate(tmp_path):
    """SNI carries the URL's host, not the pinned address; an untrusted certificate fails."""
    import ssl
    import threading

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*_self_signed(tmp_path, "hooks.example.test"))
    names = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        conn, _ = listener.accept()
        try:
            context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            pass
        finally:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    outcome = post(
        f"https://hooks.example.test:{port}/", LOOPBACK, {}, b"{}", timeout=5
    )
    thread.join(5)
    listener.close()
    assert names == ["hooks.example.test"]
    assert (
        outcome.error
        == "TLS with hooks.example.test failed (certificate or handshake)."
    )
