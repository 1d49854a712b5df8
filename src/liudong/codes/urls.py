app_name = "codes"

urlpatterns: list = []
