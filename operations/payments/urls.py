"""URLs of payments on an organization's site."""

app_name = "payments"
urlpatterns = []
