"""Where a webhook may be sent: only to globally routable addresses, or to networks the admin lists.

A receiver URL is an admin's input, and the sender posts from inside the city's network: without
this rule a webhook could reach the cloud metadata service (169.254.169.254), the database, or any
internal service. So an address that is not globally routable is refused (private, loopback,
link-local, multicast, reserved, unspecified, shared 100.64.0.0/10, documentation ranges, and the
same inside an IPv4-mapped or NAT64 IPv6 address), unless it lies in HOTLINE_WEBHOOK_ALLOWED_NETWORKS:
a city's own receivers often sit on its 10.x network, and the admin then lists that network.

Plain http stays what the URL rule (schemas.checked_url) allows it to be: only to this machine, for
development and tests; such an endpoint may only ever be sent to loopback addresses.

The check runs at registration (names are resolved, any refused address refuses the URL) and again
at every delivery, which then connects to the very address it checked (delivery.py), so a second DNS
answer cannot point the request elsewhere (DNS rebinding).
"""
import ipaddress
import socket
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

# Spelled out besides ipaddress's own flags, so the rule does not change with the Python release
# (their lists were widened in 3.11.10 / 3.12.4 / 3.13).
NOT_GLOBAL = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    "::/128", "::1/128", "::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "3fff::/20",
    "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8"))
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: inside the provider's network
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix: the last 32 bits are IPv4
SETTING = "HOTLINE_WEBHOOK_ALLOWED_NETWORKS"


class Refused(ValueError):
    """A URL or address webhooks may not go to; str() says why, in Chinese."""


class Unresolved(Refused):
    """The URL's host name resolves to no address (now)."""


@dataclass(frozen=True)
class Target:
    """Where one delivery goes: the URL's host (for Host, SNI and the certificate) and the checked
    addresses to connect to, in the resolver's order."""

    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


def refusal(address, allowed=()):
    """None if webhooks may be sent to `address` (an IP address, text or object), or why not.

    `allowed`: networks (ip_network objects, see networks()) that are trusted whatever they are."""
    ip = _ip(address)
    if any(ip in network for network in allowed):
        return None
    if ip.is_unspecified:
        return f"{ip} 是未指定地址"
    if ip.is_loopback:
        return f"{ip} 是本机回环地址"
    if ip.is_link_local:
        return f"{ip} 是链路本地地址（云主机元数据服务即在此段）"
    if ip.is_multicast:
        return f"{ip} 是组播地址"
    if ip in SHARED:
        return f"{ip} 是运营商共享地址（100.64.0.0/10）"
    if ip.version == 6 and ip in NAT64:  # a NAT64 gateway sends it to the IPv4 address inside
        reason = refusal(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), allowed)
        return reason and f"{ip} 指向内部地址：{reason}"
    if ip.version == 6 and ip.sixtofour:
        reason = refusal(ip.sixtofour, allowed)
        if reason:
            return f"{ip} 指向内部地址：{reason}"
    if ip.is_private or (ip.version == 6 and ip.is_site_local):
        return f"{ip} 是内网（私有）地址"
    if ip.is_reserved:
        return f"{ip} 是保留地址"
    if not ip.is_global or any(ip in network for network in NOT_GLOBAL):
        return f"{ip} 不是公网地址"
    return None


def permitted(address, allowed=()):
    return refusal(address, allowed) is None


def configured(config):
    """The allow-list of an app's config (HOTLINE_WEBHOOK_ALLOWED_NETWORKS), parsed."""
    return networks(config.get(SETTING))


def networks(value):
    """The allow-list as ip_network objects, from the setting: comma-separated CIDRs, or a list of them.
    Raises ValueError naming the entry that is not a network."""
    if not value:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    return _networks(tuple(str(item).strip() for item in value if str(item).strip()))


@lru_cache(maxsize=16)
def _networks(entries):
    parsed = []
    for entry in entries:
        try:
            parsed.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{SETTING} 中的 {entry!r} 不是网段（应为 CIDR，如 10.20.0.0/16）") from None
    return tuple(parsed)


def resolve(host, port):
    """The addresses `host` resolves to, in the resolver's order, without repeats; Refused if none."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise Unresolved(f"无法解析主机名 {host}") from None
    addresses = list(dict.fromkeys(sockaddr[0] for *_, sockaddr in answers
                                   if isinstance(sockaddr, tuple) and sockaddr and isinstance(sockaddr[0], str)))
    if not addresses:
        raise Unresolved(f"无法解析主机名 {host}")
    return addresses


def target(url, allowed=()):
    """Where a delivery to `url` (a URL schemas.checked_url accepted) may go: resolve its host and
    check every address; Refused (saying why) if it resolves to none or to any refused address."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    port = parts.port or (443 if scheme == "https" else 80)
    if _literal(host):
        addresses = [host]
    else:
        addresses = resolve(host, port)
    for address in addresses:
        reason = _loopback_only(address) if scheme == "http" else refusal(address, allowed)
        if reason:
            shown = "" if address == host else f"{host} 解析到的 "
            if scheme == "http":
                raise Refused(f"拒绝发送：{shown}{reason}")
            raise Refused(f"不向内部地址推送：{shown}{reason}{_hint(allowed)}")
    return Target(scheme, host, port, tuple(addresses))


def check_registration(url, allowed=()):
    """At registration and change: Refused if the URL's host is, or resolves to, a refused address.

    A name that does not resolve (yet) is accepted: there is no address to judge, and every delivery
    resolves it again and checks what it finds. Plain http to this machine is what the URL rule
    allows, as before; nothing is resolved for it."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        return
    try:
        target(url, allowed)
    except Unresolved:
        return


def _literal(host):
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _ip(address):
    """An address (text, with or without a zone, or an object) as an ip_address; ::ffff:10.0.0.5 is 10.0.0.5."""
    ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str) else address)
    return ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped else ip


def _loopback_only(address):
    ip = _ip(address)
    return None if ip.is_loopback else f"{ip} 不是本机地址（http 仅限本机）"


def _hint(allowed):
    if allowed:
        return f"，且不在 {SETTING} 所列网段内"
    return f"；如确为本单位的接收方，请在服务器配置 {SETTING} 中列出其网段"
