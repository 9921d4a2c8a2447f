"""A real SMTP server process for tests: aiosmtpd on 127.0.0.1, keeping each message it
receives as a file the test reads."""

from __future__ import annotations

import contextlib
import email
import email.policy
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

SERVER = """
import sys, time
from pathlib import Path
from aiosmtpd.controller import Controller

class Keep:
    async def handle_DATA(self, server, session, envelope):
        out = Path(sys.argv[2])
        count = len(list(out.iterdir()))
        (out / f"{count:04d}.eml").write_bytes(envelope.content)
        return "250 OK"

controller = Controller(Keep(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
while True:
    time.sleep(1)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def smtp_process(inbox: Path) -> Iterator[tuple[int, Path]]:
    """(port, inbox folder) of an aiosmtpd server running in its own process."""
    port = _free_port()
    inbox.mkdir(parents=True)
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(inbox)],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        yield port, inbox
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def received(inbox: Path, at_least: int = 1) -> list[email.message.EmailMessage]:
    """The messages received so far, waiting up to 10 s for `at_least` of them (the server
    writes a file once it has answered, and sending may run on another thread)."""
    deadline = time.monotonic() + 10
    files = sorted(inbox.iterdir())
    while len(files) < at_least and time.monotonic() < deadline:
        time.sleep(0.05)
        files = sorted(inbox.iterdir())
    return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
            for f in files]
