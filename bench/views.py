from django.http import HttpResponse


def hello(request):
    """The ceiling: the full middleware stack and nothing else (no query, no template)."""
    return HttpResponse("hello", content_type="text/plain; charset=utf-8")
