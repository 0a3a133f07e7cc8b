"""Self-service webhook endpoints (scope ``webhooks``): an institution lists, registers, changes
and deletes its own endpoints, rotates a signing secret and asks for a ping. Another institution's
endpoint is a 404, as if it did not exist. The secret is in the answer only when it is created
(registration, rotation); writes go through ``institutions.services`` (audited)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from institutions import services
from institutions.models import WebhookEndpoint

from .conditional import ConditionalList
from .idempotency import IdempotentCreate, idempotent
from .permissions import CanManageWebhooks
from .serializers import RejectUnknownFields

TAG = "webhook endpoints"


class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    active = serializers.BooleanField(help_text="Switched off: nothing is sent to it.")
    created_at = serializers.DateTimeField()
    previous_secret_expires_at = serializers.DateTimeField(
        allow_null=True,
        help_text="After a rotation, until when deliveries are signed with the previous secret too.",
    )


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        help_text="The signing secret (whsec_…). Shown only now: store it on your server."
    )


class WebhookEndpointCreateSerializer(RejectUnknownFields, serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="A public https:// address.")
    active = serializers.BooleanField(required=False, default=True)


class WebhookEndpointUpdateSerializer(RejectUnknownFields, serializers.Serializer):
    url = serializers.URLField(max_length=500, required=False, help_text="A public https:// address.")
    active = serializers.BooleanField(required=False)


class SecretRotatedSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The new signing secret. Shown only now.")
    previous_secret_expires_at = serializers.DateTimeField(
        help_text="Until then deliveries carry signatures under both the new and the previous secret."
    )


class PingSentSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The ping event's id (its webhook-id header).")
    delivery = serializers.IntegerField(help_text="Our number for the delivery.")


class NoBodySerializer(RejectUnknownFields, serializers.Serializer):
    """An empty JSON object (or no body)."""


def _endpoints(request):
    return WebhookEndpoint.objects.filter(institution_id=request.auth.institution_id).order_by("pk")


def _endpoint(request, pk: int) -> WebhookEndpoint:
    return get_object_or_404(_endpoints(request).select_related("institution"), pk=pk)


def _no_body(request) -> None:
    NoBodySerializer(data=request.data if isinstance(request.data, dict) else {}).is_valid(
        raise_exception=True
    )


@extend_schema_view(
    get=extend_schema(tags=[TAG]),
    post=extend_schema(
        request=WebhookEndpointCreateSerializer,
        responses={201: WebhookEndpointCreatedSerializer},
        tags=[TAG],
    ),
)
class WebhookEndpointList(ConditionalList, IdempotentCreate, generics.ListCreateAPIView):
    """Your institution's webhook endpoints (GET), or a new one (POST), whose signing secret is in
    this answer only. At most 10 endpoints; each must be a public https:// address."""

    queryset = WebhookEndpoint.objects.none()  # for the schema
    serializer_class = WebhookEndpointSerializer
    permission_classes = [CanManageWebhooks]

    def list(self, request):
        page = self.paginate_queryset(_endpoints(request))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request):
        incoming = WebhookEndpointCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_create(api_key=request.auth, **incoming.validated_data)
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(tags=[TAG]),
    patch=extend_schema(request=WebhookEndpointUpdateSerializer, tags=[TAG]),
    delete=extend_schema(responses={204: None}, tags=[TAG]),
)
class WebhookEndpointDetail(generics.GenericAPIView):
    """One of your endpoints: read it, change its URL or switch it off/on (PATCH), delete it."""

    serializer_class = WebhookEndpointSerializer
    permission_classes = [CanManageWebhooks]
    http_method_names = ["get", "patch", "delete", "options"]

    def get(self, request, pk: int):
        return Response(self.get_serializer(_endpoint(request, pk)).data)

    def patch(self, request, pk: int):
        incoming = WebhookEndpointUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_update(
            api_key=request.auth, endpoint=_endpoint(request, pk), **incoming.validated_data
        )
        return Response(self.get_serializer(endpoint).data)

    def delete(self, request, pk: int):
        services.webhook_endpoint_delete(api_key=request.auth, endpoint=_endpoint(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    post=extend_schema(request=NoBodySerializer, responses={200: SecretRotatedSerializer}, tags=[TAG])
)
class WebhookSecretRotate(generics.GenericAPIView):
    """A new signing secret for the endpoint (in this answer only). The previous one keeps signing
    too for 24 hours: every delivery then carries both signatures, so switch your receiver over
    within that time."""

    serializer_class = SecretRotatedSerializer
    permission_classes = [CanManageWebhooks]

    @idempotent
    def post(self, request, pk: int):
        _no_body(request)
        endpoint = _endpoint(request, pk)
        secret = services.webhook_secret_rotate(endpoint=endpoint, api_key=request.auth)
        return Response(
            self.get_serializer(
                {"secret": secret, "previous_secret_expires_at": endpoint.previous_secret_expires_at}
            ).data
        )


@extend_schema_view(
    post=extend_schema(request=NoBodySerializer, responses={202: PingSentSerializer}, tags=[TAG])
)
class WebhookPing(generics.GenericAPIView):
    """Send the endpoint a ``ping`` event now (signed and retried like any event)."""

    serializer_class = PingSentSerializer
    permission_classes = [CanManageWebhooks]

    @idempotent
    def post(self, request, pk: int):
        _no_body(request)
        delivery = services.webhook_ping(endpoint=_endpoint(request, pk), api_key=request.auth)
        return Response(
            self.get_serializer({"id": delivery.payload["id"], "delivery": delivery.pk}).data,
            status=status.HTTP_202_ACCEPTED,
        )
