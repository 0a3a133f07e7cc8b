"""A participant translates someone's text (or corrects a translation): one page with the
original and a form; works without JavaScript. The author's own translation is published at once;
anyone else's waits for review (``services.translation_submit``)."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import participation_refusal
from core.errors import DeliberationError

from . import registry, services
from .forms import TranslationForm
from .models import Origin, Status, Translation


@require_http_methods(["GET", "POST"])
def translate(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    try:
        source = registry.get(kind)
    except LookupError:
        raise Http404 from None
    obj = source.load(pk)
    if obj is None or (not source.community and source.author_id(obj) is None):
        raise Http404
    language = source.language(obj)
    programme = source.programme(obj)
    refusal = services.translate_problem(
        request.user,
        source,
        obj,
        participation=participation_refusal(request.user, programme) if programme is not None else None,
    )
    if refusal is not None and refusal.code == "unavailable":
        raise Http404
    targets = [code for code, _name in settings.LANGUAGES if code != language]
    wanted = request.POST.get("target_language") or request.GET.get("language") or get_language()
    if wanted not in targets:
        wanted = targets[0]
    current = (
        Translation.objects.filter(
            source_kind=kind,
            source_id=pk,
            target_language=wanted,
            status=Status.PUBLISHED,
            source_hash=registry.text_hash(source.text(obj)),
        )
        .select_related("translator")
        .first()
    )
    status = 200
    if request.method == "POST":
        form = TranslationForm(request.POST, source_language=language)
        if refusal is not None:
            form.is_valid()
            form.add_error(None, refusal.message)
            status = refusal.status
        elif form.is_valid():
            try:
                row = services.translation_submit(
                    user=request.user,
                    kind=kind,
                    obj=obj,
                    target_language=form.cleaned_data["target_language"],
                    text=form.cleaned_data["text"],
                )
            except DeliberationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = error.status
            else:
                if row.status == Status.PUBLISHED:
                    messages.success(request, _("Your translation is published."))
                else:
                    messages.success(
                        request, _("Thank you: your translation will be shown once a reviewer approves it.")
                    )
                return redirect(source.url(obj))
        else:
            status = 400
    else:
        form = TranslationForm(
            source_language=language,
            initial={"target_language": wanted, "text": current.text if current is not None else ""},
        )
        if refusal is not None:
            status = refusal.status
    context = {
        "source": source,
        "obj": obj,
        "original_text": source.text(obj),
        "original_language": language,
        "current": current,
        "correcting": current is not None and current.origin == Origin.MACHINE,
        "is_author": request.user.is_authenticated and source.author_id(obj) == request.user.pk,
        "back_url": source.url(obj),
        "form": form,
        "refusal": refusal,
    }
    return render(request, "translations/translate.html", context, status=status)
