from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from agreements import importing
from agreements.views import health


@login_not_required
def favicon(request):
    """/favicon.ico, which browsers ask for where a page names no icon: the icon's current address
    (in production a hashed file name, known only once the static files are collected)."""
    return redirect(static("favicon.ico"))


urlpatterns = [
    # For a load balancer or monitor: open to all, like the sign-in and language pages.
    path("health/", health, name="health"),
    # Choosing a language works before signing in (django.conf.urls.i18n, open to all).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Password reset by e-mail: Django's own views (open to all), in templates/registration/.
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # The admin's sign-in page links here when the name exists.
    path(
        "admin/password-reset/",
        login_not_required(RedirectView.as_view(pattern_name="password_reset")),
        name="admin_password_reset",
    ),
    # Browsers ask for /favicon.ico where a page names no icon (a download, an error page).
    path("favicon.ico", favicon, name="favicon"),
    # One workbook of every record type, imported at once (agreements/importing.py).
    path("admin/import/", admin.site.admin_view(importing.workbook_import), name="workbook-import"),
    path("admin/import/confirm/", admin.site.admin_view(importing.workbook_confirm), name="workbook-import-confirm"),
    path("admin/import/jobs/<int:pk>/", admin.site.admin_view(importing.import_job), name="import-job"),
    path("admin/import/template.xlsx", admin.site.admin_view(importing.workbook_template), name="workbook-template"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("agreements.api.urls")),
    path("", include("agreements.urls")),
]
