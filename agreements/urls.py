from django.urls import path

from . import calendars, feeds, follows, tokens, views

app_name = "agreements"

urlpatterns = [
    path("", views.overview, name="overview"),
    # /memoranda/
    path("memoranda/", views.memorandum_list, name="memorandum-list"),
    path("memoranda/export.<str:fmt>", views.memorandum_export, name="memorandum-export"),
    path("memoranda/report.<str:fmt>", views.memorandum_report, name="memorandum-report"),
    path("memoranda/feed/", feeds.memorandum_feed, name="memorandum-feed"),
    path("memoranda/<slug:slug>/", views.memorandum_detail, name="memorandum-detail"),
    # /visits/
    path("visits/", views.visit_list, name="visit-list"),
    path("visits/export.<str:fmt>", views.visit_export, name="visit-export"),
    path("visits/report.<str:fmt>", views.visit_report, name="visit-report"),
    path("visits/feed/", feeds.visit_feed, name="visit-feed"),
    path("visits/<slug:slug>/", views.visit_detail, name="visit-detail"),
    # /commitments/
    path("commitments/", views.commitment_list, name="commitment-list"),
    path("commitments/export.<str:fmt>", views.commitment_export, name="commitment-export"),
    path("commitments/report.<str:fmt>", views.commitment_report, name="commitment-report"),
    path("commitments/feed/", feeds.commitment_list_feed, name="commitment-list-feed"),
    path("commitments/<slug:slug>/", views.commitment_detail, name="commitment-detail"),
    # /institutions/
    path("institutions/", views.institution_list, name="institution-list"),
    path("institutions/suggest/", views.institution_suggest, name="institution-suggest"),
    path("institutions/<slug:slug>/", views.institution_detail, name="institution-detail"),
    # /people/, /sectors/, /sources/
    path("people/<slug:slug>/", views.person_detail, name="person-detail"),
    path("sectors/", views.sector_list, name="sector-list"),
    path("sectors/<slug:slug>/", views.sector_detail, name="sector-detail"),
    path("sources/", views.source_list, name="source-list"),
    path("sources/<slug:slug>/", views.source_detail, name="source-detail"),
    # /map/
    path("map/", views.world_map_page, name="world-map"),
    path("map/report.<str:fmt>", views.world_map_report, name="world-map-report"),
    # /countries/
    path("countries/<str:code>/", views.country_detail, name="country-detail"),
    path("countries/<str:code>/compare/", views.country_compare, name="country-compare"),
    path("countries/<str:code>/compare/export.<str:fmt>", views.country_compare_export, name="country-compare-export"),
    path("countries/<str:code>/<str:partner>/", views.pair_detail, name="pair-detail"),
    path("countries/<str:code>/<str:partner>/brief/", views.pair_brief, name="pair-brief"),
    # /watchlist/, /alerts/: the user's own follows and e-mail
    path("watchlist/", follows.watchlist, name="watchlist"),
    path("watchlist/follow/", follows.follow, name="follow"),
    path("watchlist/addresses/", follows.renew_feed_key, name="renew-feed-key"),
    path("watchlist/<int:pk>/unfollow/", follows.unfollow, name="unfollow"),
    path("watchlist/<int:pk>/calendar.ics", calendars.follow_calendar, name="follow-calendar"),
    path("alerts/", follows.alerts, name="alerts"),
    path("alerts/<int:pk>/", follows.change_alerts, name="change-alerts"),
    path("alerts/unsubscribe/<str:token>/", follows.unsubscribe, name="unsubscribe"),
    # /api-tokens/: the user's own keys to the API (/api/v1/)
    path("api-tokens/", tokens.api_tokens, name="api-tokens"),
    path("api-tokens/<int:pk>/revoke/", tokens.revoke_api_token, name="revoke-api-token"),
    # /feed/, /feeds/, /calendar.ics: open to feed readers and calendars with the user's key
    path("feed/", feeds.tracker_feed, name="feed"),
    path("feeds/country/<str:code>/", feeds.country_feed, name="country-feed"),
    path("feeds/pair/<str:code>/<str:partner>/", feeds.pair_feed, name="pair-feed"),
    path("feeds/sector/<slug:slug>/", feeds.sector_feed, name="sector-feed"),
    path("feeds/institution/<slug:slug>/", feeds.institution_feed, name="institution-feed"),
    path("feeds/commitment/<slug:slug>/", feeds.commitment_feed, name="commitment-feed"),
    path("calendar.ics", calendars.tracker_calendar, name="calendar"),
]
