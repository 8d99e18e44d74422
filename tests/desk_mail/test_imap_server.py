"""The desk's mailbox poll against a real IMAP server: Dovecot, started by the test on loopback
with STARTTLS (a certificate of its own, trusted for the test) and a Maildir. Unread messages are
taken once and marked read, a refused one is flagged for a person, a second poll adds nothing,
and a wrong password is an error that says so (nothing taken)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from daur.actions import servicedesk_imap
from daur.servicedesk.models import InboundEmail, Ticket
from tests.desk_mail.mails import mail
from tests.web.factories import customer_make

pytestmark = pytest.mark.django_db

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
if not Path(DOVECOT).exists():
    reason = "no Dovecot on this machine (apt-get install dovecot-imapd); the test command installs it"
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {home}/run
state_dir = {home}/run
log_path = {home}/dovecot.log
ssl = required
ssl_cert = <{home}/cert.pem
ssl_key = <{home}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {home}/users
}}
userdb {{
  driver = passwd-file
  args = {home}/users
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def imap_server(settings, monkeypatch):
    """Dovecot on a free loopback port; its Maildir's `new/` is where a delivered message goes.
    Its files live in a directory of their own that Dovecot's unprivileged processes can enter
    (pytest's temporary directories are private to their owner)."""
    import pwd
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="daur-dovecot-"))
    (home / "run").mkdir(parents=True)
    maildir = home / "mail" / "desk" / "Maildir"
    for part in ("new", "cur", "tmp"):
        (maildir / part).mkdir(parents=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(home / "key.pem"), "-out", str(home / "cert.pem"),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    nobody = pwd.getpwnam("nobody")
    (home / "users").write_text(
        f"desk:{{PLAIN}}secret:{nobody.pw_uid}:{nobody.pw_gid}::{home / 'mail' / 'desk'}\n"
    )
    port = _free_port()
    (home / "dovecot.conf").write_text(CONFIG.format(home=home, port=port))
    for path in (home, home / "mail"):
        path.chmod(0o755)
    shutil.chown(home / "mail" / "desk", nobody.pw_uid, nobody.pw_gid)
    for path in (home / "mail" / "desk").rglob("*"):
        shutil.chown(path, nobody.pw_uid, nobody.pw_gid)
    server = subprocess.Popen(
        [DOVECOT, "-c", str(home / "dovecot.conf"), "-F"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                log = (home / "dovecot.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"Dovecot did not start:\n{log}")
            time.sleep(0.1)
    settings.DAUR_SUPPORT_IMAP_HOST = "127.0.0.1"
    settings.DAUR_SUPPORT_IMAP_PORT = port
    settings.DAUR_SUPPORT_IMAP_USER = "desk"
    settings.DAUR_SUPPORT_IMAP_PASSWORD = "secret"
    settings.DAUR_SUPPORT_IMAP_FOLDER = "INBOX"
    monkeypatch.setenv("SSL_CERT_FILE", str(home / "cert.pem"))  # trust the test's certificate

    def deliver(name: str, raw: bytes) -> None:
        path = maildir / "new" / name
        path.write_bytes(raw)
        shutil.chown(path, nobody.pw_uid, nobody.pw_gid)

    try:
        yield deliver
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


def _flags() -> dict[str, str]:
    """Each message's IMAP flags, read back from the server."""
    import imaplib

    imap = imaplib.IMAP4("127.0.0.1", servicedesk_imap.settings.DAUR_SUPPORT_IMAP_PORT)
    imap.starttls()
    imap.login("desk", "secret")
    imap.select("INBOX")
    _, data = imap.fetch("1:*", "(FLAGS)")
    imap.logout()
    return {line.split()[0].decode(): line.decode() for line in data if line}


def test_the_poll_takes_unread_mail_from_a_real_server_once(imap_server):
    customer_make(email="ayu@shop.example")
    imap_server("1.eml", mail(message_id="<one@shop.example>"))
    imap_server("2.eml", b"not a message")
    imap_server("3.eml", mail(sender="new@other.example", message_id="<three@shop.example>"))
    polled = servicedesk_imap.tickets_mail_poll()
    assert (polled.outcomes, polled.error) == ({"opened": 2, "refused": 1}, "")
    assert InboundEmail.objects.count() == 2 and Ticket.objects.count() == 2
    flags = _flags()
    assert all("\\Seen" in line for line in flags.values()), flags
    assert sum("\\Flagged" in line for line in flags.values()) == 1, flags
    again = servicedesk_imap.tickets_mail_poll()
    assert (again.outcomes, again.error) == ({}, "")
    assert Ticket.objects.count() == 2


def test_a_wrong_password_is_an_error_and_nothing_is_taken(imap_server, settings):
    imap_server("1.eml", mail(message_id="<one@shop.example>"))
    settings.DAUR_SUPPORT_IMAP_PASSWORD = "guess"
    polled = servicedesk_imap.tickets_mail_poll()
    assert polled.outcomes == {} and "AUTHENTICATIONFAILED" in polled.error
    assert Ticket.objects.count() == 0
