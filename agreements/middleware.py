from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


class RefuseNulCharacters:
    """A NUL character in the address is never meaningful, and PostgreSQL cannot compare text
    containing one: such a request gets a 400 page that says so, before any view queries it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values):
            message = _(
                "The address contains a NUL character, which no search or filter can use. Remove it and try again."
            )
            if request.path.startswith("/api/"):
                from .api.problems import bad_address

                return bad_address(message)
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


class PrivatePages:
    """Every page and download the application answers holds records, names or settings that
    are not public, so no browser or proxy may keep a copy: `Cache-Control: private, no-store`.
    Static files never reach here (whitenoise answers for them first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, private=True, no_store=True)
        return response
