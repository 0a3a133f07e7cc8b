"""The participant's notifications: the page, the header's unread badge, marking as read.

The badge is a small fragment the header loads with htmx once per page view (``hx-trigger="load"``):
no polling, and the pages' own query budgets do not grow with it. Without JavaScript the header
keeps a plain link to the page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from core.htmx import after_swap

from . import selectors, services

PAGE_SIZE = 50


@login_required
def notification_list(request):
    context = {
        "page": selectors.page_for(request.user, page=request.GET.get("page"), per_page=PAGE_SIZE),
        "unread": selectors.unread_count(request.user),
    }
    return render(request, "notifications/list.html", context)


@require_GET
def badge(request):
    """The header's link with the unread count (empty for visitors who are not logged in)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    return render(request, "notifications/_badge.html", {"unread": selectors.unread_count(request.user)})


@login_required
def notification_open(request, pk: int):
    """Follow a notification's link, marking it read."""
    notification = selectors.own(request.user, pk)
    services.mark_read(user=request.user, ids=[notification.pk])
    target: str = getattr(notification, "local_url", "")
    if not target or not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect("notifications:list")
    return redirect(target)


@require_POST
@login_required
def mark_read_view(request, pk: int):
    notification = selectors.own(request.user, pk)
    services.mark_read(user=request.user, ids=[notification.pk])
    return _after_marking(request, _("Marked as read."), focus=f"#notification-{pk}")


@require_POST
@login_required
def mark_all_read_view(request):
    services.mark_all_read(user=request.user)
    return _after_marking(request, _("All notifications are marked as read."), focus="#notifications-heading")


def _after_marking(request, message, *, focus: str):
    if not request.htmx:
        messages.success(request, message)
        return redirect("notifications:list")
    context = {
        "page": selectors.page_for(request.user, page=request.POST.get("page"), per_page=PAGE_SIZE),
        "unread": selectors.unread_count(request.user),
        "oob": True,
    }
    response = render(request, "notifications/_list.html", context)
    return after_swap(response, focus=[focus, "#notifications-heading"], announce=message)
