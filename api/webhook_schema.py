"""The webhook events in the OpenAPI schema (its 3.1 ``webhooks`` section): for each event, the
body we POST and the headers it carries, from the partner's side (their receiver answers 2xx).

Listed in ``SPECTACULAR_SETTINGS["WEBHOOKS"]``; ``webhook_headers`` (a postprocessing hook) adds
the signature headers, which drf-spectacular does not take for webhooks. The tests validate real
bodies (``institutions.webhooks.body_for``) and the documented examples against these schemas.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers

from institutions import webhooks
from progress.models import Jurisdiction
from proposals.models import Stage


class _TitlesSerializer(serializers.Serializer):
    en = serializers.CharField()
    ko = serializers.CharField()
    ja = serializers.CharField()


class WebhookProposalSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = _TitlesSerializer(help_text="The proposal's current title in English, Korean and Japanese.")
    url = serializers.URLField(help_text="The proposal in this API.")


class StageMoveSerializer(serializers.Serializer):
    from_stage = serializers.ChoiceField(choices=Stage.choices, allow_null=True)
    to_stage = serializers.ChoiceField(choices=Stage.choices, allow_null=True)


class StageChangedDataSerializer(serializers.Serializer):
    proposal = WebhookProposalSerializer(
        help_text="slug, title (en, ko and ja: its current title) and url (the proposal in this API)."
    )
    jurisdiction = serializers.ChoiceField(
        choices=Jurisdiction.choices,
        allow_null=True,
        help_text="The jurisdiction whose stage moved; null when only the overall stage moved.",
    )
    from_stage = serializers.ChoiceField(
        choices=Stage.choices, allow_null=True, help_text="Null: the jurisdiction had no stage yet."
    )
    to_stage = serializers.ChoiceField(
        choices=Stage.choices,
        allow_null=True,
        help_text="Null: the jurisdiction has no published milestone any more.",
    )
    overall = StageMoveSerializer(
        allow_null=True,
        help_text="The proposal's overall stage, when this same move changed it; null otherwise.",
    )
    occurred_at = serializers.DateTimeField(help_text="When the stage moved (ISO 8601).")


class PingDataSerializer(serializers.Serializer):
    endpoint = serializers.IntegerField(help_text="The id of your endpoint that asked for the ping.")
    url = serializers.URLField(help_text="That endpoint's URL.")


class _EventSerializer(serializers.Serializer):
    """The envelope every body has (the Standard Webhooks fields ``type``, ``timestamp``,
    ``data`` and ours). New fields may be added: ignore the ones you do not know."""

    id = serializers.UUIDField(
        help_text="The event's id, equal to the webhook-id header; the same on retries."
    )
    event = serializers.CharField(help_text="The event type (the same as type).")
    type = serializers.CharField(help_text="The event type.")
    created_at = serializers.DateTimeField(help_text="When the event happened.")
    timestamp = serializers.DateTimeField(help_text="When the event happened (the same as created_at).")
    delivery = serializers.IntegerField(help_text="Our number for this delivery to this endpoint.")
    attempt = serializers.IntegerField(min_value=1, help_text="1 for the first try, 2 for the first retry…")


def _event_serializer(name: str, event: str, data: serializers.Serializer) -> type[serializers.Serializer]:
    fields = {
        "event": serializers.ChoiceField(choices=[event]),
        "type": serializers.ChoiceField(choices=[event]),
        "data": data,
        "__doc__": webhooks.EVENT_DESCRIPTIONS[event],
    }
    return type(name, (_EventSerializer,), fields)


StageChangedEventSerializer = _event_serializer(
    "StageChangedEventSerializer", webhooks.STAGE_CHANGED, StageChangedDataSerializer()
)
PingEventSerializer = _event_serializer("PingEventSerializer", webhooks.PING, PingDataSerializer())

EVENT_SERIALIZERS = {
    webhooks.STAGE_CHANGED: StageChangedEventSerializer,
    webhooks.PING: PingEventSerializer,
}


def _webhook(event: str) -> OpenApiWebhook:
    return OpenApiWebhook(
        name=event,
        decorator=extend_schema(
            summary=f"{event} (we POST this to your endpoint)",
            description=(
                webhooks.EVENT_DESCRIPTIONS[event]
                + "\n\nSigned per Standard Webhooks: verify the webhook-signature header over the raw body "
                "(see /api/v1/docs/webhooks/)."
            ),
            request=EVENT_SERIALIZERS[event],
            examples=[OpenApiExample(event, value=webhooks.example_body(event), request_only=True)],
            responses={
                "2XX": OpenApiResponse(description="Received. Any other answer, or none, is retried."),
            },
        ),
    )


STAGE_CHANGED = _webhook(webhooks.STAGE_CHANGED)
PING = _webhook(webhooks.PING)

HEADERS = [
    {
        "name": webhooks.ID_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
        "description": "The event's id; the same on every retry (ignore one you have processed).",
    },
    {
        "name": webhooks.TIMESTAMP_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
        "description": (
            "Seconds since the Unix epoch, of this attempt; signed. Refuse one more than "
            f"{int(webhooks.TOLERANCE.total_seconds() // 60)} minutes from your clock."
        ),
    },
    {
        "name": webhooks.SIGNATURE_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": (
            "v1,<base64 HMAC-SHA256 of id.timestamp.body>, one per active secret, space-separated "
            "(two during a secret rotation)."
        ),
    },
    {
        "name": webhooks.EVENT_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "enum": list(webhooks.EVENTS)},
        "description": "The event type, for routing before parsing (not signed).",
    },
]


def webhook_headers(result, generator, request, public):
    """Add the signature headers to every webhook operation (a postprocessing hook)."""
    for path_item in result.get("webhooks", {}).values():
        for operation in path_item.values():
            operation["parameters"] = [dict(header) for header in HEADERS]
    return result


def data_fields(event: str) -> list[dict[str, str | bool]]:
    """The fields of ``data`` in ``event``'s body, for the documentation page: name, whether it
    may be null, and what it means (from the same serializers as the schema)."""
    data = EVENT_SERIALIZERS[event]().fields["data"]
    assert isinstance(data, serializers.Serializer)
    return [
        {"name": name, "nullable": field.allow_null, "help": str(field.help_text or "")}
        for name, field in data.fields.items()
    ]
