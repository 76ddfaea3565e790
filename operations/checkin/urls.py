"""URLs of checkin on an organization's site."""

app_name = "checkin"
urlpatterns = []
