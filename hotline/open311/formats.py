"""GeoReport v2 output in JSON or XML: the JSON is the XML mapped by the Spark convention (a list where the
XML repeats an element), and both are UTF-8 with the content types the specification names."""
import json
from xml.etree.ElementTree import Element, SubElement, tostring

from flask import current_app

FORMATS = ("json", "xml")
MIME = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# What each repeated element is called inside its list's element.
ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
         "values": "value", "endpoints": "endpoint", "formats": "format"}


def respond(fmt, root, value, status=200):
    """`value` (a list for a list root, a dict otherwise) as `fmt`, under XML root element `root`."""
    if fmt == "xml":
        element = Element(root)
        _fill(element, root, value)
        body = tostring(element, encoding="utf-8", xml_declaration=True)
        # ElementTree writes the declaration with single quotes and a lower-case encoding name.
        body = body.replace(b"<?xml version='1.0' encoding='utf-8'?>", b'<?xml version="1.0" encoding="UTF-8"?>', 1)
    else:
        body = json.dumps(value, ensure_ascii=False)  # in the specification's order, not sorted
    return current_app.response_class(body, status=status, content_type=MIME[fmt])


def _fill(element, tag, value):
    if isinstance(value, list):
        for item in value:
            _fill(SubElement(element, ITEMS[tag]), ITEMS[tag], item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(SubElement(element, key), key, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def errors(fmt, status, *messages):
    """The GeoReport error structure: a list of {code, description}, with the HTTP status as the code."""
    return respond(fmt, "errors", [{"code": status, "description": m} for m in messages], status)
