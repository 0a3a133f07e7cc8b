"""The "Report" control that comments and amendments show (no queries: it only reads what the page
already loaded)."""

from dataclasses import dataclass, field

from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.safestring import SafeString

from comments.models import Comment
from core.errors import DeliberationError
from core.widgets import counter_attrs

from .models import NOTE_MAX_LENGTH, ReportReason

# Reporting needs neither membership nor an open window (see moderation.services): these refusals
# of participation still let one report.
REPORTING_ALLOWED_DESPITE = {"window_closed", "not_member"}


@dataclass
class ReportControl:
    kind: str
    item_id: int
    url: str
    reasons: list = field(default_factory=lambda: ReportReason.choices)
    is_open: bool = False
    done: bool = False
    error: DeliberationError | None = None
    reason: str = ""
    note: str = ""
    note_max_length: int = NOTE_MAX_LENGTH

    @property
    def dom_id(self) -> str:
        return f"report-{self.kind}-{self.item_id}"

    @property
    def note_counter(self) -> SafeString:
        """The note's visible counter (no ``maxlength``: a long note is refused, never cut)."""
        return flatatt(counter_attrs(self.note_max_length))


def kind_of(item) -> str:
    return "comment" if isinstance(item, Comment) else "amendment"


def can_offer_report(user, item, refusal) -> bool:
    """Whether to show the control: others' visible text, to someone who may report."""
    if not user.is_authenticated or item.author_id == user.pk:
        return False
    if item.hidden_at is not None or getattr(item, "deleted_at", None) is not None:
        return False
    return refusal is None or refusal.code in REPORTING_ALLOWED_DESPITE


def report_control(item, **state) -> ReportControl:
    """The control for ``item`` (whose ``proposal`` is loaded), in ``state`` (open, done, error...)."""
    kind = kind_of(item)
    url = reverse(f"moderation:report_{kind}", kwargs={"slug": item.proposal.slug, "pk": item.pk})
    return ReportControl(kind=kind, item_id=item.pk, url=url, **state)
