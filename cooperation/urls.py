from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from agreements.views import health

urlpatterns = [
    path("admin/", admin.site.urls),
    # For a load balancer or monitor: open to all, like the sign-in and language pages.
    path("health/", health, name="health"),
    # Choosing a language works before signing in (django.conf.urls.i18n, open to all).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("agreements.urls")),
]
