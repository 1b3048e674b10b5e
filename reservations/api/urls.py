from django.urls import path

from . import views

urlpatterns = [
    path("reservations/", views.ReservationListCreateView.as_view(), name="reservation-list"),
    path("reservations/<int:pk>/", views.ReservationDetailView.as_view(), name="reservation-detail"),
    path("reservations/<int:pk>/cancel/", views.ReservationCancelView.as_view(), name="reservation-cancel"),
    path(
        "reservations/<int:pk>/calendar.ics",
        views.ReservationCalendarView.as_view(),
        name="reservation-calendar",
    ),
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/<int:pk>/read/", views.NotificationReadView.as_view(), name="notification-read"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(), name="notification-read-all"),
    path("watches/", views.WatchListCreateView.as_view(), name="watch-list"),
    path("watches/<int:pk>/", views.WatchDetailView.as_view(), name="watch-detail"),
    path("calendar/<str:token>/hothour.ics", views.CalendarFeedView.as_view(), name="calendar-feed"),
]
