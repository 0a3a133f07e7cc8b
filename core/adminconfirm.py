"""The intermediate page of an admin action that needs a form (a reason, a note, a choice) before it
applies: shown on the first POST with the list of what it will apply to, applied on the second,
which carries ``confirm``. Used by the moderators' actions and the account actions alike."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from .errors import DeliberationError

CONFIRM = "confirm"
CONFIRM_TEMPLATE = "admin/moderation/confirm_action.html"


def confirm_page(modeladmin, request, queryset, *, action: str, title, intro, form, describe=str):
    """The page asking for ``form`` before ``action`` applies to ``queryset`` (400 when the bound
    form was refused, so a client can tell)."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "opts": modeladmin.model._meta,
        "form": form,
        "objects": [describe(obj) for obj in queryset],
        "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
        "action": action,
        "confirm": CONFIRM,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, CONFIRM_TEMPLATE, context, status=400 if form.is_bound else 200)


def run_with_form(
    modeladmin,
    request,
    queryset,
    *,
    action: str,
    title,
    intro,
    form_class: type[forms.Form],
    apply: Callable[[object, forms.Form], object],
    done: Callable[[int], str],
    describe: Callable[[object], str] = str,
):
    """``action`` applied to each selected object once ``form_class`` is filled in: refusals are
    reported per object and the others still apply. Returns None (back to the changelist) once
    applied, else the page asking for the form."""
    if CONFIRM in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            count = 0
            for obj in queryset:
                try:
                    apply(obj, form)
                except DeliberationError as error:
                    modeladmin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
                else:
                    count += 1
            if count:
                modeladmin.message_user(request, done(count), messages.SUCCESS)
            return None
    else:
        form = form_class()
    return confirm_page(
        modeladmin, request, queryset, action=action, title=title, intro=intro, form=form, describe=describe
    )
