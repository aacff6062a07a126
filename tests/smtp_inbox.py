"""An aiosmtpd handler for tests: a real SMTP server on loopback keeps what arrives."""

from __future__ import annotations

import email
from email import policy


class Inbox:
    """Keeps every envelope that arrives, and whether it came over TLS."""

    def __init__(self):
        self.envelopes, self.tls, self.port = [], [], 0

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.tls.append(session.ssl is not None)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]
