"""The floors of the house (DESIGN.md): the top floor, ``pages``, composes features; no feature
imports it. The full layer contract is import-linter's (pyproject.toml, run by .ci/run); this test
keeps the top-floor rule in the suite too, with the module that breaks it named."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Everything of ours below the top floor (deliberation/ wires the URLs and may include pages).
BELOW_THE_TOP = [
    "core",
    "audit",
    "accounts",
    "proposals",
    "notifications",
    "translations",
    "comments",
    "ratings",
    "amendments",
    "moderation",
    "progress",
    "institutions",
    "api",
]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("app", BELOW_THE_TOP)
def test_no_app_below_the_top_floor_imports_pages(app):
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / app).rglob("*.py"))
        if any(name == "pages" or name.startswith("pages.") for name in imported_modules(path))
    ]
    assert offenders == []


def test_feature_admins_do_not_import_moderation():
    """Moderation attaches its actions to the admins it moderates (moderation.adminactions.attach)."""
    for app in ("accounts", "comments", "amendments"):
        names = imported_modules(ROOT / app / "admin.py")
        assert not any(name.split(".")[0] == "moderation" for name in names), app


def test_the_moderators_actions_are_attached_to_the_admins_they_moderate():
    from django.contrib import admin

    from accounts.models import User
    from amendments.models import Amendment
    from comments.models import Comment

    def action_names(model):
        return {getattr(action, "__name__", action) for action in admin.site.get_model_admin(model).actions}

    assert {"hide_selected", "restore_selected"} <= action_names(Comment)
    assert {"hide_selected", "restore_selected", "accept_selected"} <= action_names(Amendment)
    assert {"suspend_selected", "unsuspend_selected"} <= action_names(User)


def test_the_translation_store_imports_nothing_above_its_floor():
    """translations/ sits on the notifications floor: features register their texts with it."""
    above = {"comments", "ratings", "amendments", "moderation", "progress", "institutions", "api", "pages"}
    offenders = [
        (str(path.relative_to(ROOT)), name)
        for path in sorted((ROOT / "translations").rglob("*.py"))
        for name in imported_modules(path)
        if name.split(".")[0] in above
    ]
    assert offenders == []
