"""The pure rule of where webhooks may go (hotline/webhooks/addresses.py); no network: names resolve
through a stand-in for socket.getaddrinfo."""
import ipaddress

import pytest

from hotline.webhooks import addresses
from hotline.webhooks.addresses import Refused, check_registration, networks, permitted, refusal, target
from tests.webhooks.fake_dns import dns  # noqa: F401


@pytest.mark.parametrize("address, reason", [
    ("10.0.0.5", "内网"), ("10.255.255.255", "内网"), ("172.16.0.1", "内网"), ("172.31.255.254", "内网"),
    ("192.168.1.1", "内网"),
    ("127.0.0.1", "回环"), ("127.8.9.10", "回环"), ("::1", "回环"),
    ("169.254.169.254", "链路本地"), ("169.254.0.1", "链路本地"), ("fe80::1", "链路本地"), ("fe80::1%eth0", "链路本地"),
    ("224.0.0.1", "组播"), ("239.255.255.250", "组播"), ("ff02::1", "组播"), ("ff05::2", "组播"),
    ("0.0.0.0", "未指定"), ("::", "未指定"), ("0.1.2.3", "内网"),
    ("100.64.0.1", "共享"), ("100.127.255.254", "共享"),
    ("240.0.0.1", "内网"), ("255.255.255.255", "内网"),  # reserved (Python counts them private too)
    ("fc00::1", "内网"), ("fd12:3456::1", "内网"), ("fec0::1", "内网"),  # unique local, old site-local
    ("192.0.2.10", "内网"), ("198.51.100.7", "内网"), ("203.0.113.9", "内网"), ("2001:db8::1", "内网"),
    ("198.18.0.1", "内网"), ("192.0.0.8", ""),  # IETF protocol assignments (the name varies with Python)
    ("::ffff:10.0.0.5", "10.0.0.5 是内网"), ("::ffff:127.0.0.1", "127.0.0.1 是本机回环"),
    ("::ffff:169.254.169.254", "169.254.169.254 是链路本地"),
    ("64:ff9b::a00:5", "10.0.0.5 是内网"), ("2002:a00:5::1", "10.0.0.5 是内网"),  # NAT64, 6to4
    ("::a00:5", "保留"), ("64:ff9b:1::a00:5", ""),  # the old IPv4-compatible form, local-use NAT64
])
def test_internal_addresses_are_refused(address, reason):
    assert reason in refusal(address)
    assert not permitted(address)
    assert not permitted(ipaddress.ip_address(address.split("%")[0]))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1",
                                     "172.32.0.1", "192.169.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8",
                                     "64:ff9b::808:808"])
def test_public_addresses_are_permitted(address):
    assert refusal(address) is None and permitted(address)


def test_the_allow_list_lets_listed_networks_through_and_nothing_else():
    allowed = networks("10.20.0.0/16, 192.168.5.0/24,fd00:12::/32")
    assert permitted("10.20.3.4", allowed) and permitted("192.168.5.200", allowed)
    assert permitted("::ffff:10.20.0.9", allowed)  # the mapped form of a listed address
    assert permitted("fd00:12::7", allowed)
    assert not permitted("10.21.0.1", allowed) and not permitted("192.168.6.1", allowed)
    assert not permitted("169.254.169.254", allowed) and not permitted("127.0.0.1", allowed)
    assert not permitted("fd00:13::1", allowed)
    assert permitted("8.8.8.8", allowed)


def test_the_allow_list_setting_is_parsed_leniently_and_refused_when_wrong():
    assert networks("") == networks(None) == networks([]) == ()
    assert networks(["10.0.0.0/8", " ", "172.16.0.1/12"]) == (ipaddress.ip_network("10.0.0.0/8"),
                                                              ipaddress.ip_network("172.16.0.0/12"))
    assert networks("10.1.2.3") == (ipaddress.ip_network("10.1.2.3/32"),)
    for wrong in ("10.0.0.0/33", "intranet", "10.0.0.0/8;192.168.0.0/16"):
        with pytest.raises(ValueError, match=addresses.SETTING):
            networks(wrong)


def test_the_app_does_not_start_with_a_wrong_allow_list():
    from tests.conftest import make_app
    with pytest.raises(ValueError, match="10.0.0.0/33"):
        make_app("sqlite://", HOTLINE_WEBHOOK_ALLOWED_NETWORKS=["10.0.0.0/33"])


@pytest.mark.parametrize("url", ["https://169.254.169.254/latest/meta-data/", "https://10.0.0.5/hook",
                                 "https://[::1]/hook", "https://127.0.0.1:8443/hook", "https://[::ffff:10.0.0.5]/x",
                                 "https://0.0.0.0/hook", "https://100.64.1.1/hook", "https://[fd00::1]/hook"])
def test_registration_refuses_internal_address_literals(url, dns):
    with pytest.raises(Refused, match="不向内部地址推送"):
        check_registration(url)
    assert dns.lookups == []


def test_registration_resolves_names_and_refuses_any_internal_answer(dns):
    dns.answers["hooks.city.test"] = ["192.168.1.1"]
    dns.answers["mixed.city.test"] = ["93.184.216.34", "10.0.0.5"]
    dns.answers["public.city.test"] = ["93.184.216.34", "2606:4700:4700::1111"]
    dns.answers["localhost"] = ["127.0.0.1"]
    with pytest.raises(Refused, match="hooks.city.test 解析到的 192.168.1.1 是内网"):
        check_registration("https://hooks.city.test/in")
    with pytest.raises(Refused, match="10.0.0.5"):
        check_registration("https://mixed.city.test/in")
    with pytest.raises(Refused, match="回环"):
        check_registration("https://localhost/in")
    check_registration("https://public.city.test:8443/in")
    assert dns.lookups == ["hooks.city.test", "mixed.city.test", "localhost", "public.city.test"]


def test_registration_accepts_a_name_that_does_not_resolve_yet(dns):
    check_registration("https://not-yet.city.test/in")  # every delivery resolves and checks it again
    assert dns.lookups == ["not-yet.city.test"]


def test_plain_http_to_this_machine_is_registered_as_before_without_a_lookup(dns):
    for url in ("http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9000/hook"):
        check_registration(url)
    assert dns.lookups == []


def test_the_allow_list_admits_a_listed_internal_receiver(dns):
    dns.answers["hooks.city.test"] = ["10.20.0.7"]
    allowed = networks("10.20.0.0/16")
    check_registration("https://hooks.city.test/in", allowed)
    check_registration("https://10.20.9.9/in", allowed)
    with pytest.raises(Refused, match="且不在 HOTLINE_WEBHOOK_ALLOWED_NETWORKS 所列网段内"):
        check_registration("https://10.21.0.1/in", allowed)


def test_the_delivery_target_is_every_checked_address_in_order(dns):
    dns.answers["public.city.test"] = ["93.184.216.34", "2606:4700:4700::1111", "93.184.216.34"]
    assert target("https://public.city.test/in") == addresses.Target(
        "https", "public.city.test", 443, ("93.184.216.34", "2606:4700:4700::1111"))
    assert target("https://93.184.216.34:8443/in").addresses == ("93.184.216.34",)
    with pytest.raises(Refused, match="无法解析主机名 gone.city.test"):
        target("https://gone.city.test/in")  # at delivery a name that does not resolve is a failure


def test_plain_http_is_only_ever_sent_to_loopback_addresses(dns):
    dns.answers["localhost"] = ["127.0.0.1", "::1"]
    assert target("http://localhost:8080/hook").addresses == ("127.0.0.1", "::1")
    assert target("http://127.0.0.1:8080/hook").port == 8080
    dns.answers["localhost"] = ["10.0.0.9"]
    with pytest.raises(Refused, match="拒绝发送：localhost 解析到的 10.0.0.9 不是本机地址"):
        target("http://localhost/hook", networks("10.0.0.0/8"))  # the allow-list is for https only
