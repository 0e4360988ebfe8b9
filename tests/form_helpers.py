"""Reading forms out of rendered pages, as a browser would."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
_NAME = re.compile(r'name="([^"]+)"')
_VALUE = re.compile(r'value="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a page (CSRF token, submission key)."""
    fields = {}
    for tag in _HIDDEN.findall(html):
        name, value = _NAME.search(tag), _VALUE.search(tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def fresh_form(client: FlaskClient, url: str) -> dict[str, str]:
    """GET a form and return its hidden fields, ready to be filled and posted."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return hidden_fields(response.get_data(as_text=True))
