app_name = "amendments"

urlpatterns: list = []
