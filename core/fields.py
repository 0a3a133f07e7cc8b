"""Typed access to a model's concrete fields (``Model._meta.get_field`` may also return a relation
or a generic foreign key, which have no label or length)."""

from typing import Any

from django.db import models


def model_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a concrete field")
    return field


def max_length(model: type[models.Model], name: str) -> int:
    """The ``max_length`` of a text column (an error if it has none)."""
    length = model_field(model, name).max_length
    if length is None:
        raise TypeError(f"{model.__name__}.{name} has no max_length")
    return length
