"""What the deprecation policy promises, held by the code that will do it: a deprecated
operation answers Deprecation, Sunset and a Link to the changelog, the schema marks it deprecated
with its dates, and a sunset without the notice period cannot be declared."""

import datetime as dt

import pytest
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from api.deprecation import Deprecation, deprecated

SINCE = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
SUNSET = dt.datetime(2027, 7, 15, tzinfo=dt.UTC)
OLD = Deprecation(since=SINCE, sunset=SUNSET, instead="`GET /api/v1/new/`")


class ThingSerializer(serializers.Serializer):
    name = serializers.CharField()


class OldThing(generics.GenericAPIView):
    """An operation on its way out."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    serializer_class = ThingSerializer

    @deprecated(OLD)
    def get(self, request):
        return Response({"name": "old"})


def test_a_deprecated_operation_says_so_on_every_response():
    response = OldThing.as_view()(APIRequestFactory().get("/api/v1/old/"))
    assert response.status_code == 200
    assert response["Deprecation"] == f"@{int(SINCE.timestamp())}"
    assert response["Sunset"] == "Thu, 15 Jul 2027 00:00:00 GMT"
    assert response["Link"] == '</api/v1/docs/changes/>; rel="deprecation"'


def test_the_schema_marks_it_deprecated_with_its_dates():
    schema = SchemaGenerator(patterns=[path("api/v1/old/", OldThing.as_view())]).get_schema(public=True)
    operation = schema["paths"]["/api/v1/old/"]["get"]
    assert operation["deprecated"] is True
    assert "2027-07-15" in operation["description"] and "/api/v1/new/" in operation["description"]
    assert {"Deprecation", "Sunset", "Link"} <= set(operation["responses"]["200"]["headers"])


def test_a_sunset_needs_six_months_notice():
    with pytest.raises(ValueError, match="6 months"):
        Deprecation(since=SINCE, sunset=SINCE + dt.timedelta(days=90), instead="x")


def test_nothing_in_v1_is_deprecated_today():
    from tests.test_api_support import schema_dict

    deprecated_now = [
        (path_, method)
        for path_, item in schema_dict()["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and operation.get("deprecated")
    ]
    assert deprecated_now == []
