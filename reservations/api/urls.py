from django.urls import path

from . import views

urlpatterns = [
    path("reservations/", views.ReservationListCreateView.as_view(), name="reservation-list"),
    path("reservations/<int:pk>/", views.ReservationDetailView.as_view(), name="reservation-detail"),
    path("reservations/<int:pk>/cancel/", views.ReservationCancelView.as_view(), name="reservation-cancel"),
]
