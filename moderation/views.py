"""HTTP for participants' reports. A plain POST redirects back to the item with a message; with
htmx the "Report" control is re-rendered (thanks, or the refusal). Refusals keep what was typed and
answer 400/403."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from amendments.models import Amendment
from comments.models import Comment
from comments.services import comment_url
from core import throttles
from core.errors import DeliberationError

from . import sections, services


@require_POST
def report_comment(request, slug: str, pk: int):
    comment = get_object_or_404(Comment.objects.select_related("proposal"), pk=pk, proposal__slug=slug)
    return _report(request, comment, comment_url(comment))


@require_POST
def report_amendment(request, slug: str, pk: int):
    amendment = get_object_or_404(Amendment.objects.select_related("proposal"), pk=pk, proposal__slug=slug)
    return _report(request, amendment, amendment.get_absolute_url())


def _report(request, item, back_url: str):
    reason, note = request.POST.get("reason", ""), request.POST.get("note", "")
    try:
        throttles.check(request, "report")
        services.report_create(
            reporter=request.user, reason=reason, note=note, **{sections.kind_of(item): item}
        )
    except DeliberationError as error:
        control = sections.report_control(item, is_open=True, error=error, reason=reason, note=note)
        template = "moderation/_report_control.html" if request.htmx else "moderation/report_page.html"
        response = render(request, template, {"control": control, "back_url": back_url}, status=error.status)
        error.add_headers(response)
        return response
    if request.htmx:
        control = sections.report_control(item, is_open=True, done=True)
        return render(request, "moderation/_report_control.html", {"control": control})
    messages.success(request, _("Thank you. The moderators will look at your report."))
    return redirect(back_url)
