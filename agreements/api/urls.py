from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import problems, views

app_name = "api"

router = SimpleRouter()
router.register("countries", views.CountryViewSet, basename="country")
router.register("sectors", views.SectorViewSet, basename="sector")
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("people", views.PersonViewSet, basename="person")
router.register("sources", views.SourceViewSet, basename="source")
router.register("visits", views.VisitViewSet, basename="visit")
router.register("memoranda", views.MemorandumViewSet, basename="memorandum")
router.register("memorandum-relations", views.MemorandumRelationViewSet, basename="memorandumrelation")
router.register("commitments", views.CommitmentViewSet, basename="commitment")

urlpatterns = [
    *router.urls,
    # The description of the API is open to all: it holds no records.
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    path("docs/", login_not_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    # Anything else under /api/v1/ (even an address with a line break in it) answers in JSON too.
    re_path(r"", login_not_required(problems.not_found)),
]
