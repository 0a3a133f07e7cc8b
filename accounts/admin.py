from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from .models import Membership, Programme, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "nationality", "preferred_language", "is_active", "is_staff"]
    list_filter = ["nationality", "preferred_language", "is_active", "is_staff"]
    search_fields = ["email", "display_name", "affiliation"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["display_name", "nationality", "preferred_language", "affiliation"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]}),
    ]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Programme)
class ProgrammeAdmin(TranslationAdmin):
    list_display = ["name", "starts_on", "ends_on", "is_open"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "programme", "joined_at", "is_active"]
    list_filter = ["programme", "is_active"]
    list_select_related = ["user", "programme"]
    raw_id_fields = ["user"]
    search_fields = ["user__email", "user__display_name"]
