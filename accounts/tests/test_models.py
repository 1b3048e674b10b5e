"""Database constraints that back the services' checks (PostgreSQL, as in production)."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Studio, User
from accounts.tests.factories import CustomerFactory, ManagerFactory, StudioFactory


@pytest.mark.django_db
def test_two_users_whose_emails_differ_only_by_case_cannot_both_exist():
    # given: `objects.create` skips the manager's normalization, as a raw insert would
    User.objects.create(email="Ayse@Example.com", full_name="Ayşe")

    # when / then
    with pytest.raises(IntegrityError, match="accounts_user_email_ci_unique"), transaction.atomic():
        User.objects.create(email="ayse@example.COM", full_name="Ayşe again")
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_a_user_linked_to_a_studio_must_be_staff(studio):
    with pytest.raises(IntegrityError, match="accounts_user_manager_is_staff"), transaction.atomic():
        User.objects.create(email="elif@example.com", full_name="Elif", studio=studio, is_staff=False)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_staff_user_linked_to_a_studio_is_allowed(studio):
    manager = ManagerFactory.create(studio=studio)

    assert manager.is_studio_manager
    assert list(studio.managers.all()) == [manager]


@pytest.mark.django_db
def test_two_users_cannot_share_a_phone_number():
    CustomerFactory.create(phone="+905551112233")

    with pytest.raises(IntegrityError, match="accounts_user_phone_unique"), transaction.atomic():
        CustomerFactory.create(phone="+905551112233")


@pytest.mark.django_db
def test_many_users_may_have_no_phone_number():
    ManagerFactory.create(phone=None)
    ManagerFactory.create(phone=None)

    assert User.objects.filter(phone__isnull=True).count() == 2


@pytest.mark.django_db
def test_two_studios_whose_names_differ_only_by_case_cannot_both_exist():
    StudioFactory.create(name="Moda Pilates")

    with pytest.raises(IntegrityError, match="accounts_studio_name_folded_unique"), transaction.atomic():
        StudioFactory.create(name="MODA PILATES")
    assert Studio.objects.count() == 1


@pytest.mark.django_db
def test_create_user_stores_the_email_trimmed_and_lowercased():
    user = User.objects.create_user(" Ayse@Example.COM ", "Sup3r-secret-pass", full_name="Ayşe")

    assert user.email == "ayse@example.com"
    assert User.objects.get_by_natural_key("AYSE@example.com ") == user
