"""The accounts back office: managers see their own customers and studio read-only, and grant nothing."""

import importlib

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from accounts.models import Studio, User
from accounts.tests.admin_helpers import admin_url, log_entries, logged_in, object_urls, two_studios
from accounts.tests.factories import DEFAULT_PASSWORD, CustomerFactory, ManagerFactory
from auctions.tests.factories import AuctionFactory
from reservations.tests.factories import ReservationFactory

pytestmark = pytest.mark.django_db

MANAGERS_GROUP = "Studio managers"
# Written out rather than imported: a change to the group must show up here as a failing test.
MANAGER_PERMISSIONS = {
    "auctions.view_auction",
    "auctions.add_auction",
    "auctions.change_auction",
    "auctions.delete_auction",
    "reservations.view_reservation",
    "reservations.change_reservation",
    "accounts.view_user",
    "accounts.view_studio",
}

USERS = admin_url(User, "changelist")
STUDIOS = admin_url(Studio, "changelist")
LOGIN = reverse("admin:login")


@pytest.fixture
def studios():
    return two_studios()


@pytest.fixture
def client_a(client, studios):
    return logged_in(client, studios.manager_a)


def booked_with(studio, customer: User) -> None:
    ReservationFactory(auction=AuctionFactory(studio=studio, sold=True), user=customer)


def password_url(user: User) -> str:
    # Django's UserAdmin names this URL after auth.User whatever the user model.
    return reverse("admin:auth_user_password_change", args=[user.pk])


def codenames(permissions) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


# --- the managers group ---------------------------------------------------------------------------


def test_managers_group_has_exactly_the_back_office_permissions():
    group = Group.objects.get(name=MANAGERS_GROUP)

    assert codenames(group.permissions.select_related("content_type")) == MANAGER_PERMISSIONS


def test_data_migration_creates_the_group_and_adds_existing_managers():
    # given: no group yet, and a manager made before the migration ran
    Group.objects.filter(name=MANAGERS_GROUP).delete()
    manager = ManagerFactory()
    customer = CustomerFactory()
    migration = importlib.import_module("accounts.migrations.0002_studio_managers_group")
    state = MigrationLoader(connection).project_state(("accounts", "0002_studio_managers_group"))

    # when
    migration.create_group(state.apps, None)

    # then
    group = Group.objects.get(name=MANAGERS_GROUP)
    assert codenames(group.permissions.select_related("content_type")) == MANAGER_PERMISSIONS
    assert list(group.user_set.all()) == [manager]
    assert not customer.groups.exists()


def test_manager_made_by_the_service_has_exactly_the_groups_permissions(studios):
    manager = User.objects.get(pk=studios.manager_a.pk)

    assert [g.name for g in manager.groups.all()] == [MANAGERS_GROUP]
    assert not manager.user_permissions.exists()
    assert manager.get_all_permissions() == MANAGER_PERMISSIONS
    assert manager.is_staff
    assert not manager.is_superuser


# --- users ----------------------------------------------------------------------------------------


def test_user_changelist_lists_only_customers_who_booked_with_the_studio(client_a, studios):
    regular = CustomerFactory(email="regular.a@example.com")
    booked_with(studios.a, regular)
    booked_with(studios.a, regular)  # twice, listed once
    both = CustomerFactory(email="both@example.com")
    booked_with(studios.a, both)
    booked_with(studios.b, both)
    only_b = CustomerFactory(email="only.b@example.com")
    booked_with(studios.b, only_b)
    CustomerFactory(email="never@example.com")

    response = client_a.get(USERS)

    assert response.status_code == 200
    assert sorted(u.email for u in response.context["cl"].result_list) == [
        "both@example.com",
        "regular.a@example.com",
    ]
    page = response.content.decode()
    for absent in ("only.b@example.com", "never@example.com", "manager.a@", "manager.b@"):
        assert absent not in page.split('id="result_list"')[1], absent


def test_superuser_user_changelist_lists_everyone(admin_client, studios):
    booked_with(studios.b, CustomerFactory(email="only.b@example.com"))
    CustomerFactory(email="never@example.com")

    page = admin_client.get(USERS).content.decode()

    for email in (
        "only.b@example.com",
        "never@example.com",
        "manager.a@example.com",
        "manager.b@example.com",
    ):
        assert email in page


def test_customer_who_never_booked_with_the_studio_is_not_found(client_a, studios):
    only_b = CustomerFactory()
    booked_with(studios.b, only_b)
    never = CustomerFactory()

    for user in (only_b, never, studios.manager_b, studios.manager_a):
        for url in [*object_urls(user), password_url(user)]:
            assert client_a.get(url).status_code == 404, url


def test_manager_sees_their_customer_read_only_without_roles(client_a, studios):
    customer = CustomerFactory(full_name="Elif Alpha")
    booked_with(studios.a, customer)

    response = client_a.get(admin_url(User, "change", customer.pk))

    assert response.status_code == 200
    assert "Elif Alpha" in response.content.decode()
    shown = {
        name for _title, options in response.context["adminform"].fieldsets for name in options["fields"]
    }
    assert shown == {"email", "full_name", "phone", "gender", "date_joined"}
    # nothing to edit (the password hash field UserChangeForm declares is read-only and not shown)
    assert set(response.context["adminform"].form.fields) <= {"password"}
    assert customer.password not in response.content.decode()
    assert 'name="is_staff"' not in response.content.decode()


def test_manager_cannot_grant_roles(client_a, studios):
    customer = CustomerFactory()
    booked_with(studios.a, customer)
    group = Group.objects.get(name=MANAGERS_GROUP)
    promotion = {
        "email": customer.email,
        "full_name": customer.full_name,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "studio": studios.a.pk,
        "groups": [group.pk],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }

    # a customer of theirs: the page is read-only, a POST is refused
    assert client_a.post(admin_url(User, "change", customer.pk), promotion).status_code == 403
    # themselves: not in their list at all
    own = {**promotion, "email": studios.manager_a.email}
    assert client_a.post(admin_url(User, "change", studios.manager_a.pk), own).status_code == 404
    # nor a new password for anyone
    password = {"password1": "N3w-secret-pass", "password2": "N3w-secret-pass", "usable_password": "true"}
    assert client_a.post(password_url(customer), password).status_code == 403

    customer.refresh_from_db()
    assert (customer.is_staff, customer.is_superuser, customer.studio_id) == (False, False, None)
    assert not customer.groups.exists()
    assert customer.check_password(DEFAULT_PASSWORD)
    manager = User.objects.get(pk=studios.manager_a.pk)
    assert not manager.is_superuser
    assert [g.name for g in manager.groups.all()] == [MANAGERS_GROUP]


def test_manager_has_no_add_permission_for_users(client_a):
    count = User.objects.count()
    new = {
        "email": "new.staff@example.com",
        "full_name": "New",
        "password1": "Xy-12345-ab",
        "password2": "Xy-12345-ab",
    }

    assert client_a.get(admin_url(User, "add")).status_code == 403
    assert client_a.post(admin_url(User, "add"), new).status_code == 403
    assert User.objects.count() == count
    assert not client_a.get(USERS).context["has_add_permission"]


def test_manager_cannot_delete_a_customer(client_a, studios):
    customer = CustomerFactory()
    booked_with(studios.a, customer)

    response = client_a.post(admin_url(User, "delete", customer.pk), {"post": "yes"})

    assert response.status_code == 403
    assert User.objects.filter(pk=customer.pk).exists()


# --- studios --------------------------------------------------------------------------------------


def test_studio_changelist_lists_only_the_managers_studio(client_a, studios):
    response = client_a.get(STUDIOS)

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [studios.a]
    page = response.content.decode()
    assert "Alpha Pilates" in page
    assert "Bravo Yoga" not in page


def test_superuser_studio_changelist_lists_every_studio(admin_client, studios):
    page = admin_client.get(STUDIOS).content.decode()

    assert "Alpha Pilates" in page
    assert "Bravo Yoga" in page


def test_another_studio_is_not_found(client_a, studios):
    for url in object_urls(studios.b):
        assert client_a.get(url).status_code == 404, url
    response = client_a.post(admin_url(Studio, "change", studios.b.pk), {"name": "Taken over"})
    assert response.status_code == 404
    studios.b.refresh_from_db()
    assert studios.b.name == "Bravo Yoga"


def test_manager_sees_their_studio_read_only(client_a, studios):
    url = admin_url(Studio, "change", studios.a.pk)

    assert client_a.get(url).status_code == 200
    assert client_a.post(url, {"name": "Renamed", "address": "x", "timezone": "UTC"}).status_code == 403
    assert client_a.get(admin_url(Studio, "add")).status_code == 403
    studios.a.refresh_from_db()
    assert studios.a.name == "Alpha Pilates"


# --- logging in -----------------------------------------------------------------------------------


def test_admin_login_is_refused_after_five_failures_even_with_the_right_password(client, studios):
    email = studios.manager_a.email

    # when: five wrong passwords for the same account from the same address
    failures = [client.post(LOGIN, {"username": email, "password": "wrong-guess"}) for _ in range(5)]
    # then the sixth try is refused even with the right password
    response = client.post(LOGIN, {"username": email, "password": DEFAULT_PASSWORD})

    assert [r.status_code for r in failures[:4]] == [200] * 4  # the form again, with its error
    assert failures[4].status_code == 429  # the fifth failure locks the account out
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302  # still sent to the login page


def test_admin_login_lockout_is_per_account(client, studios):
    for _ in range(5):
        client.post(LOGIN, {"username": studios.manager_a.email, "password": "wrong-guess"})

    response = client.post(LOGIN, {"username": studios.manager_b.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(studios.manager_b.pk)


def test_admin_login_succeeds_after_fewer_failures(client, studios):
    for _ in range(4):
        client.post(LOGIN, {"username": studios.manager_a.email, "password": "wrong-guess"})

    response = client.post(LOGIN, {"username": studios.manager_a.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(studios.manager_a.pk)


def _user_change_data(user: User, **changes: object) -> dict[str, object]:
    """The superuser's change form of `user`, as the browser posts it, with `changes`."""
    data: dict[str, object] = {
        "email": user.email,
        "full_name": user.full_name,
        "phone": user.phone or "",
        "gender": user.gender,
        "is_verified": "on" if user.is_verified else "",
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_a_gender_change_in_the_back_office_needs_a_reason(admin_client, customer):
    response = admin_client.post(
        admin_url(User, "change", customer.pk), _user_change_data(customer, gender="MALE")
    )

    assert response.status_code == 200
    assert "gender_change_reason" in response.context["adminform"].form.errors
    customer.refresh_from_db()
    assert customer.gender == "FEMALE"


def test_a_gender_change_in_the_back_office_is_logged_with_its_reason(admin_client, admin_user, customer):
    reason = "ID card checked at the desk"

    response = admin_client.post(
        admin_url(User, "change", customer.pk),
        _user_change_data(customer, gender="MALE", gender_change_reason=reason),
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.gender == "MALE"
    assert any(reason in entry.get_change_message() for entry in log_entries(admin_user, customer))
