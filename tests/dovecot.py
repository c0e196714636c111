"""A real IMAP server for the inbound tests: Debian's Dovecot as a throwaway instance.

Its own configuration in a temporary folder, a passwd-file of users, maildirs under the same
folder, 127.0.0.1 on a spare port, no TLS. Each test gets a mailbox of its own
(`imap_mailbox`). Without `/usr/sbin/dovecot` the tests skip (fail under
PORTAL_REQUIRE_ALL=1). Import the fixtures into a test module to use them.
"""

from __future__ import annotations

import imaplib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

DOVECOT = os.environ.get("PORTAL_DOVECOT", "/usr/sbin/dovecot")
_users = itertools.count(1)
USERS = 500
PASSWORD = "secret-passphrase"


@dataclass
class Dovecot:
    port: int
    folder: Path

    def user_add(self) -> tuple[str, str]:
        """A user of its own (made when the server started: Dovecot reads its users once)."""
        number = next(_users)
        if number > USERS:
            pytest.fail(f"more than {USERS} mailboxes asked for: raise tests/dovecot.py USERS")
        return f"inbox{number}", PASSWORD


def _spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _version() -> str:
    return subprocess.run([DOVECOT, "--version"], capture_output=True, text=True, check=True).stdout.split()[0]


def _config(folder: Path, port: int) -> str:
    if os.geteuid() == 0:  # Dovecot refuses to give mail to root: the mail belongs to nobody
        uid, gid, run_as = 65534, 65534, ""
    else:
        me = pwd.getpwuid(os.getuid()).pw_name
        uid, gid = os.getuid(), os.getgid()
        run_as = f"default_login_user = {me}\ndefault_internal_user = {me}\ndefault_internal_group = {me}\n"
    # 2.4 renamed the plaintext switch.
    cleartext = "auth_allow_cleartext = yes" if _version() >= "2.4" else "disable_plaintext_auth = no"
    home = folder / "home"
    home.mkdir()
    if os.geteuid() == 0:
        os.chown(home, uid, gid)
    return f"""
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
{cleartext}
auth_mechanisms = plain login
{run_as}mail_location = maildir:{home}/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/%u
}}
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
service anvil {{
  chroot =
}}
"""


@pytest.fixture(scope="session")
def dovecot():
    if not Path(DOVECOT).exists():
        skip_or_fail(f"Dovecot not found at {DOVECOT} (apt-get install dovecot-imapd)")
    folder = Path(tempfile.mkdtemp(prefix="dv-", dir="/tmp"))  # short: its sockets live there
    folder.chmod(0o755)
    (folder / "passwd").write_text("".join(f"inbox{n}:{{PLAIN}}{PASSWORD}\n" for n in range(1, USERS + 1)))
    port = _spare_port()
    (folder / "dovecot.conf").write_text(_config(folder, port))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(folder / "dovecot.conf")], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "dovecot.log").read_text() if (folder / "dovecot.log").exists() else ""
                process.kill()
                pytest.fail(f"Dovecot did not start: {process.stderr.read() if process.stderr else ''} {log}")
            time.sleep(0.1)
    yield Dovecot(port=port, folder=folder)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Mailbox:
    url: str
    host: str
    port: int
    user: str
    password: str

    def connect(self) -> imaplib.IMAP4:
        connection = imaplib.IMAP4(self.host, self.port, timeout=10)
        connection.login(self.user, self.password)
        connection.select("INBOX")
        return connection

    def append(self, raw: bytes) -> None:
        connection = self.connect()
        try:
            status, _ = connection.append("INBOX", None, None, raw)
            assert status == "OK"
        finally:
            connection.logout()

    def unseen(self) -> int:
        connection = self.connect()
        try:
            _, data = connection.uid("SEARCH", None, "UNSEEN")
            return len(data[0].split())
        finally:
            connection.logout()


@pytest.fixture
def imap_mailbox(dovecot, settings) -> Mailbox:
    """An empty mailbox of this test's own, named by INBOUND_IMAP_URL."""
    user, password = dovecot.user_add()
    url = f"imap://{user}:{password}@127.0.0.1:{dovecot.port}/INBOX"
    settings.INBOUND_IMAP_URL = url
    return Mailbox(url=url, host="127.0.0.1", port=dovecot.port, user=user, password=password)
