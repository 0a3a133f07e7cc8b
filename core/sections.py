"""A named seam for one feature's section on another feature's page, where the two sit on the
same floor and the page's own app may not import the other (comments under an amendment: the
comments app builds on amendments, so amendments cannot import it).

The contributing app registers a builder in its ``AppConfig.ready``::

    sections.contribute("amendment", comments.sections.amendment_section)

and the page's app asks for every contribution::

    context.update(sections.build("amendment", request, amendment, refusal))

A builder is ``(request, obj, refusal) -> dict`` of template context. Pages that compose several
features on the top floor (``pages/``) import their sections directly instead.
"""

from collections.abc import Callable
from typing import Any

Builder = Callable[[Any, Any, Any], dict[str, Any]]

_builders: dict[str, list[Builder]] = {}


def contribute(page: str, builder: Builder) -> None:
    """Add ``builder``'s section to ``page`` (once, however often it is called)."""
    registered = _builders.setdefault(page, [])
    if builder not in registered:
        registered.append(builder)


def build(page: str, request: Any, obj: Any, refusal: Any) -> dict[str, Any]:
    """The context of every section contributed to ``page``, merged in registration order."""
    context: dict[str, Any] = {}
    for builder in _builders.get(page, []):
        context.update(builder(request, obj, refusal))
    return context


# --- Controls another feature draws on each item of a list (the "Report" disclosure on a comment) ---
# A factory is ``(*, user, refusal, csrf_input, slug) -> (item -> html)``: called once per page,
# it prepares what every item shares; the function it returns draws one item's control ("" for
# none). The comments app draws its threads in Python (comments.rendering) and asks for these.

ControlFactory = Callable[..., Callable[[Any], str]]
_controls: dict[str, list[ControlFactory]] = {}


def contribute_control(kind: str, factory: ControlFactory) -> None:
    registered = _controls.setdefault(kind, [])
    if factory not in registered:
        registered.append(factory)


def controls(kind: str, **page: Any) -> list[Callable[[Any], str]]:
    return [factory(**page) for factory in _controls.get(kind, [])]
