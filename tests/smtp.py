"""A real SMTP server on the loopback address (aiosmtpd) for the notification tests: Django's SMTP
backend delivers to it and the test reads the message as it arrived (headers and decoded body)."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes
from email import policy as email_policy

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    raw: bytes


class Inbox:
    def __init__(self):
        self.messages: list[Received] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(
            envelope.original_content or envelope.content, policy=email_policy.default
        )
        self.messages.append(
            Received(
                sender=envelope.mail_from,
                recipients=tuple(envelope.rcpt_tos),
                subject=str(parsed["subject"]),
                body=parsed.get_body(preferencelist=("plain",)).get_content(),
                raw=envelope.original_content or envelope.content,
            )
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.recipients]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_inbox(settings):
    """Start the server, point Django's SMTP backend (``settings``: pytest-django's fixture) at it
    and yield its Inbox."""
    port = free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()
