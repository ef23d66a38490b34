"""A stand-in for socket.getaddrinfo, so that the webhook tests resolve names without a network."""
import ipaddress
import socket

import pytest


class FakeDNS:
    """socket.getaddrinfo for names in `answers` (name -> [address, …], or a list of such lists
    answered in turn, the last repeating); numeric hosts as the real one; other names do not exist."""

    def __init__(self, real):
        self.real, self.answers, self.lookups = real, {}, []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        host = host.decode() if isinstance(host, bytes) else host
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
            return self.real(host, port, family, type, proto, flags)
        except ValueError:
            pass
        self.lookups.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answer = self.answers[host]
        if answer and isinstance(answer[0], list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, int(port or 0), 0, 0)) if ":" in a
                else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, int(port or 0))) for a in answer]


@pytest.fixture
def dns(monkeypatch):
    """The FakeDNS every lookup goes to during the test: set .answers, read .lookups."""
    fake = FakeDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake
