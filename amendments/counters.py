"""Each proposal's count of accepted amendments (``Proposal.accepted_amendment_count``, read by
the dashboard). Acceptance adds one in ``services._accept`` (it is final); ``recount`` is for data
written without the services (the benchmark's generator, tests' factories)."""

from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from proposals.models import Proposal

from .models import Amendment, AmendmentState


def recount(*proposal_ids: int | None) -> None:
    """Set the proposals' ``accepted_amendment_count`` from their amendments (rows locked first)."""
    ids = sorted({pk for pk in proposal_ids if pk is not None})
    if not ids:
        return
    list(Proposal.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    accepted = (
        Amendment.objects.filter(proposal=OuterRef("pk"), state=AmendmentState.ACCEPTED)
        .order_by()
        .values("proposal")
        .annotate(n=Count("pk"))
    )
    Proposal.objects.filter(pk__in=ids).update(
        accepted_amendment_count=Coalesce(Subquery(accepted.values("n")), Value(0))
    )
