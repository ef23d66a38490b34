"""Every workbench page for every demo role: who may open it, and masking wherever a department looks."""
import pytest

from tests.api.support import make_ticket  # noqa: F401

USERS = ("operator1", "dispatcher1", "dept_housing", "revisitor1", "supervisor1", "admin")
EVERYONE = set(USERS)
# page → the users who may open it; everyone else gets the 403 page.
PAGES = {
    "/intake": {"operator1"},
    "/tickets": EVERYONE,
    "/tickets/{number}": EVERYONE,
    "/dispatch/received": {"operator1", "dispatcher1"},
    "/dispatch/returns": {"dispatcher1"},
    "/dispatch/extensions": {"dispatcher1"},
    "/dispatch/replies": {"dispatcher1"},
    "/department/dispatched": {"dept_housing"},
    "/department/accepted": {"dept_housing"},
    "/department/replied": {"dept_housing"},
    "/department/all": {"dept_housing"},
    "/department/accountability": {"dept_housing"},
    "/revisit": {"revisitor1"},
    "/notifications": EVERYONE,
}
PHONE, MASKED = "13812345678", "138****5678"


@pytest.fixture
def number(make_ticket):
    return make_ticket("dispatched", caller_phone=PHONE)


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_page_opens_for_its_roles_only(web, number, path, username):
    response = web(username).get(path.format(number=number))
    if username in PAGES[path]:
        assert response.status_code == 200, response.text[:300]
        assert response.mimetype == "text/html" and "<script>" not in response.text
    else:
        assert response.status_code == 403 and "无权访问" in response.text


@pytest.mark.parametrize("path", sorted(p for p, users in PAGES.items() if "dept_housing" in users))
def test_department_pages_never_show_a_full_phone_number(web, number, path):
    page = web("dept_housing").get(path.format(number=number))
    assert page.status_code == 200
    assert PHONE not in page.text


@pytest.mark.parametrize("path", ["/tickets/{number}", "/department/dispatched"])
def test_department_pages_show_the_masked_number(web, number, path):
    assert MASKED in web("dept_housing").get(path.format(number=number)).text


def test_centre_staff_see_the_full_number_only_on_request(web, number):
    browser = web("dispatcher1")
    page = browser.get(f"/tickets/{number}")
    assert PHONE not in page.text and "显示号码" in page.text
    shown = browser.post(f"/tickets/{number}/contact", headers={"HX-Request": "true"})
    assert shown.status_code == 200 and PHONE in shown.text and "已记录查看" in shown.text


def test_departments_get_no_show_number_button_and_are_refused(web, number):
    browser = web("dept_housing")
    assert "显示号码" not in browser.get(f"/tickets/{number}").text
    refused = browser.post(f"/tickets/{number}/contact", headers={"HX-Request": "true"})
    assert refused.status_code == 403 and PHONE not in refused.text
