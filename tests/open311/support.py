"""What the Open311 tests share: keys made through the service, and responses read the same way from JSON
and from XML (the XML turned into the JSON's shape by the Spark convention, every value as text)."""
from xml.etree.ElementTree import fromstring

import pytest

from hotline.extensions import db
from hotline.open311 import keys
from tests.factories import Factory

LISTS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
         "values": "value", "endpoints": "endpoint", "formats": "format"}
FORMATS = ("json", "xml")
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]


def _element(element):
    if element.tag in LISTS:
        return [_element(child) for child in element]
    if len(element):
        return {child.tag: _element(child) for child in element}
    return element.text


def read(response, fmt):
    """The body as JSON-shaped data; checks the content type and, for XML, the declaration."""
    if fmt == "json":
        assert response.content_type == "application/json; charset=utf-8"
        return response.get_json()
    assert response.content_type == "text/xml; charset=utf-8"
    body = response.get_data()
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), body[:60]
    return _element(fromstring(body))


def text(value):
    """A value as XML carries it: JSON's true/false/numbers compared as the XML's text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def assert_errors(response, fmt, status):
    """The GeoReport error structure with this status; returns the descriptions."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = read(response, fmt)
    assert isinstance(body, list) and body
    for error in body:
        assert set(error) == {"code", "description"}
        assert text(error["code"]) == str(status)
        assert error["description"]
    return [e["description"] for e in body]


@pytest.fixture
def make_key(app):
    """make_key(name, scope) → the key, committed; its row's id is in make_key.ids[name]."""
    def make(name="市民服务APP", scope="own", revoked=False):
        with app.app_context():
            row, key = keys.create(name, scope, Factory().user("admin"))
            if revoked:
                keys.revoke(row.id, None)
            db.session.commit()
            make.ids[name] = row.id
            return key

    make.ids = {}
    return make


@pytest.fixture
def public_read(app):
    def switch(value):
        with app.app_context():
            keys.set_public_read(value, None)
            db.session.commit()
    return switch
