"""The schema states the scope each operation needs (``x-required-scopes``, the description, and
the security requirement in OpenAPI 3.1), and the permission checks agree with it: a key with
exactly the stated scopes gets through, a key missing any of them does not."""

import itertools
import json
import re
from types import SimpleNamespace

import pytest
from django.urls import resolve

from institutions.models import InstitutionAPIKey, Scope
from tests.test_api_support import (  # noqa: F401 - fixtures
    API,
    api_fixture,
    assert_error_body,
    local_cache_fixture,
    report_key_fixture,
    schema_dict,
)

METHODS = ("get", "post", "put", "patch", "delete")


def operations():
    for path, item in schema_dict()["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def view_for(path: str, method: str):
    """The view instance the schema path resolves to (placeholders filled with sample values)."""
    concrete = re.sub(r"\{(number|id|pk)\}", "1", path)
    concrete = re.sub(r"\{[^}]+\}", "sample", concrete)
    view = resolve(concrete).func.view_class()
    view.request = SimpleNamespace(method=method.upper())
    return view


def allows(view, scopes: set[str]) -> bool:
    request = SimpleNamespace(auth=InstitutionAPIKey(scopes=sorted(scopes)), method=view.request.method)
    return all(permission.has_permission(request, view) for permission in view.get_permissions())


def test_every_operation_taking_a_key_states_its_scopes():
    found = list(operations())
    assert len(found) >= 19
    for path, method, operation in found:
        assert "x-required-scopes" in operation, (method, path)
        scopes = operation["x-required-scopes"]
        assert set(scopes) <= set(Scope.values), (method, path, scopes)
        assert "**Scope:**" in operation["description"], (method, path)
        for scope in scopes:
            assert f"`{scope}`" in operation["description"], (method, path)


@pytest.mark.parametrize(("path", "method"), [(p, m) for p, m, _op in operations()])
def test_the_stated_scopes_are_the_ones_the_permissions_check(path, method):
    stated = set(next(op for p, m, op in operations() if (p, m) == (path, method))["x-required-scopes"])
    view = view_for(path, method)
    every = set(Scope.values)
    for size in range(len(every) + 1):
        for held in itertools.combinations(sorted(every), size):
            assert allows(view, set(held)) == (stated <= set(held)), (method, path, stated, held)


def test_a_report_key_is_refused_where_the_schema_says_read(api, report_key, proposal):
    schema_scopes = schema_dict()["paths"]["/api/v1/proposals/{slug}/"]["get"]["x-required-scopes"]
    assert schema_scopes == ["read"]
    api.key = report_key.key
    response = api.get(f"{API}proposals/{proposal.slug}/")
    assert response.status_code == 403
    assert assert_error_body(response)["code"] == "scope_required"


def test_the_key_scheme_explains_scopes(api):
    schema = json.loads(api.get(f"{API}schema/").content)
    assert "x-required-scopes" in schema["components"]["securitySchemes"]["ApiKeyAuth"]["description"]


def test_openapi_31_puts_the_scopes_in_the_security_requirement(settings):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.settings import patched_settings

    with patched_settings({"OAS_VERSION": "3.1.0"}):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["paths"]["/api/v1/reports/"]["post"]["security"] == [{"ApiKeyAuth": ["report"]}]
    assert schema["paths"]["/api/v1/me/"]["get"]["security"] == [{"ApiKeyAuth": []}]
