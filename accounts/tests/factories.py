"""Factories for accounts: studios, verified customers, managers."""

import factory

from accounts.models import Gender, Studio, User

DEFAULT_PASSWORD = "Sup3r-secret-pass"


class StudioFactory(factory.django.DjangoModelFactory[Studio]):
    class Meta:
        model = Studio

    name = factory.Sequence(lambda n: f"Studio {n}")
    address = factory.Sequence(lambda n: f"Moda Cad. No: {n}, Kadıköy")
    maps_url = "https://maps.example.com/studio"
    timezone = "Europe/Istanbul"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"User {n}")
    phone: factory.declarations.BaseDeclaration | None = factory.Sequence(lambda n: f"+90555{n:07d}")
    gender: str = Gender.FEMALE
    is_verified = True
    password = factory.django.Password(DEFAULT_PASSWORD)


class CustomerFactory(UserFactory):
    pass


class ManagerFactory(UserFactory):
    phone = None
    gender = ""
    is_staff = True
    studio = factory.SubFactory(StudioFactory)
