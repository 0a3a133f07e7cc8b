from django.contrib.admin.apps import AdminConfig


class DeliberationAdminConfig(AdminConfig):
    default_site = "deliberation.admin.DeliberationAdminSite"
