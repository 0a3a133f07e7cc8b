from django import template

from moderation import sections

register = template.Library()


@register.inclusion_tag("moderation/_report_control.html", takes_context=True)
def report_control(context, item, refusal=None):
    """``{% report_control comment section.refusal %}``: a "Report" disclosure with its form, or
    nothing when the viewer may not report ``item``."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not sections.can_offer_report(user, item, refusal):
        return {"control": None}
    return {
        "control": sections.report_control(item),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
