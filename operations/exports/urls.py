"""URLs of exports on an organization's site."""

app_name = "exports"
urlpatterns = []
