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


SENTINEL = 2147483647


def comment_report_controls(*, user, refusal, csrf_input: str, slug: str):
    """For a page of comments: ``comment -> html`` of the closed "Report" control. The template is
    rendered once, for a stand-in comment, when the first comment that gets the control is drawn
    (none for a page of one's own comments, such as the answer to posting one), and each comment
    gets a copy with its own id (``core.sections.contribute_control``)."""
    if user is None or not user.is_authenticated:
        return lambda comment: ""
    sentinel = str(SENTINEL)
    drawn: list[str] = []

    def draw(comment) -> str:
        if not can_offer_report(user, comment, refusal):
            return ""
        if not drawn:
            drawn.append(_closed_comment_control(slug, csrf_input))
        return drawn[0].replace(sentinel, str(comment.pk))

    return draw


def _closed_comment_control(slug: str, csrf_input: str) -> str:
    from django.template.loader import render_to_string

    url = reverse("moderation:report_comment", kwargs={"slug": slug, "pk": SENTINEL})
    control = ReportControl(kind="comment", item_id=SENTINEL, url=url)
    html: str = render_to_string(
        "moderation/_report_control.html", {"control": control, "csrf_token": "<csrf>"}
    )
    return html.replace('<input type="hidden" name="csrfmiddlewaretoken" value="&lt;csrf&gt;">', csrf_input)
