"""Demo accounts for the embedded run: one studio, its manager, verified customers of each gender."""

from dataclasses import dataclass

from django.db import transaction

from . import services
from .models import Gender, Studio, User

DEMO_PASSWORD = "HotHour-demo-2026"  # noqa: S105 - printed on purpose for the local demo


@dataclass(frozen=True)
class DemoAccounts:
    studio: Studio
    admin: User
    manager: User
    customers: list[User]


CUSTOMERS = [
    ("ayse@hothour.demo", "Ayşe Yılmaz", "+905551110001", Gender.FEMALE),
    ("zeynep@hothour.demo", "Zeynep Kaya", "+905551110002", Gender.FEMALE),
    ("mehmet@hothour.demo", "Mehmet Demir", "+905551110003", Gender.MALE),
    ("can@hothour.demo", "Can Öztürk", "+905551110004", Gender.MALE),
]


@transaction.atomic
def seed_accounts() -> DemoAccounts:
    """Create whatever is missing; existing rows are left as they are (safe to run twice)."""
    studio = Studio.objects.filter(name="Moda Yoga & Dans").first() or services.studio_create(
        name="Moda Yoga & Dans",
        address="Caferağa Mah. Moda Cad. No: 12, Kadıköy, İstanbul",
        maps_url="https://www.openstreetmap.org/?mlat=40.9869&mlon=29.0254",
        timezone="Europe/Istanbul",
    )
    admin = User.objects.filter(email="admin@hothour.demo").first() or User.objects.create_superuser(
        "admin@hothour.demo", DEMO_PASSWORD, full_name="HotHour Admin"
    )
    manager = User.objects.filter(email="manager@hothour.demo").first() or services.manager_create(
        email="manager@hothour.demo", full_name="Elif Studio", password=DEMO_PASSWORD, studio=studio
    )
    customers = []
    for email, full_name, phone, gender in CUSTOMERS:
        customer = User.objects.filter(email=email).first()
        if customer is None:
            customer = User.objects.create_user(
                email, DEMO_PASSWORD, full_name=full_name, phone=phone, gender=gender, is_verified=True
            )
        customers.append(customer)
    return DemoAccounts(studio=studio, admin=admin, manager=manager, customers=customers)
