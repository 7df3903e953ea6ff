from django.contrib import admin
from django.urls import include, path

from agreements.views import health

urlpatterns = [
    path("admin/", admin.site.urls),
    # For a load balancer or monitor: open to all, like the sign-in and language pages.
    path("health/", health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("agreements.urls")),
]
