from django.urls import path

from . import views

app_name = "agreements"

urlpatterns = [
    path("", views.overview, name="overview"),
    # /memoranda/
    path("memoranda/", views.memorandum_list, name="memorandum-list"),
    path("memoranda/export.<str:fmt>", views.memorandum_export, name="memorandum-export"),
    path("memoranda/<slug:slug>/", views.memorandum_detail, name="memorandum-detail"),
    # /visits/
    path("visits/", views.visit_list, name="visit-list"),
    path("visits/export.<str:fmt>", views.visit_export, name="visit-export"),
    path("visits/<slug:slug>/", views.visit_detail, name="visit-detail"),
    # /commitments/
    path("commitments/", views.commitment_list, name="commitment-list"),
    path("commitments/export.<str:fmt>", views.commitment_export, name="commitment-export"),
    # /institutions/
    path("institutions/suggest/", views.institution_suggest, name="institution-suggest"),
    path("institutions/<slug:slug>/", views.institution_detail, name="institution-detail"),
    # /countries/
    path("countries/<str:code>/", views.country_detail, name="country-detail"),
    path("countries/<str:code>/<str:partner>/", views.pair_detail, name="pair-detail"),
    path("countries/<str:code>/<str:partner>/brief/", views.pair_brief, name="pair-brief"),
]
