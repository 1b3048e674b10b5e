"""Users (email login), studios, and the link of a manager to the one studio they run."""

import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Lower, Replace
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

http_url = URLValidator(schemes=["http", "https"])


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s."), params={"value": value})


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


# Turkish capitals and both i's, folded before LOWER: SQLite lowers ASCII only, and no collation
# makes "ŞİŞLİ PİLATES", "Şişli Pilates" and "SISLI PILATES"-style English capitals one name.
_NAME_FOLDS = (("İ", "i"), ("I", "i"), ("ı", "i"), ("Ç", "ç"), ("Ğ", "ğ"), ("Ö", "ö"), ("Ş", "ş"), ("Ü", "ü"))


def folded_name(expression: Combinable | str) -> Lower:
    """A name compared the Turkish way, in SQL: one studio per folded name."""
    folded: Combinable = F(expression) if isinstance(expression, str) else expression
    for capital, small in _NAME_FOLDS:
        folded = Replace(folded, Value(capital), Value(small))
    return Lower(folded)


class Gender(models.TextChoices):
    FEMALE = "FEMALE", _("Female")
    MALE = "MALE", _("Male")


class Studio(models.Model):
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=300)
    maps_url = models.URLField(_("maps URL"), blank=True, validators=[http_url])
    logo_url = models.URLField(_("logo URL"), blank=True, validators=[http_url])
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Istanbul", validators=[validate_timezone]
    )
    created_at = models.DateTimeField(_("created at"), default=dj_timezone.now, editable=False)

    class Meta:
        verbose_name = _("studio")
        verbose_name_plural = _("studios")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                folded_name("name"),
                name="accounts_studio_name_folded_unique",
                violation_error_message=_("A studio with this name already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=(username or "").strip())

    def create_user(self, email: str, password: str | None = None, **fields: object) -> "User":
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields.update(is_staff=True, is_superuser=True, is_verified=True)
        return self.create_user(email, password, **fields)


def normalize_email(email: str) -> str:
    """Emails are compared case-insensitively; we store them lowercased and trimmed."""
    return email.strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    # E.164 ("+905551112233"); null for staff who gave none, so uniqueness ignores them.
    phone = models.CharField(_("phone"), max_length=16, null=True, blank=True)  # noqa: DJ001
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)
    is_verified = models.BooleanField(_("email verified"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    studio = models.ForeignKey(
        Studio,
        verbose_name=_("managed studio"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managers",
        help_text=_("Set for studio managers only: the one studio they run."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=dj_timezone.now)
    # The language of their emails: the one they registered in, changeable in their profile.
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="tr")
    # No-shows before this instant no longer count (a superuser lifted the suspension).
    strikes_forgiven_at = models.DateTimeField(_("no-show strikes forgiven at"), null=True, blank=True)
    # A suspension carried over from a deleted account with the same email or phone (SuspendedIdentity).
    inherited_suspension_until = models.DateTimeField(
        _("booking suspended (carried over) until"), null=True, blank=True, editable=False
    )
    # The secret in the private calendar feed URL; rotating it revokes the old URL.
    calendar_token = models.CharField(
        _("calendar feed token"), max_length=43, default=new_calendar_token, unique=True, editable=False
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.UniqueConstraint(
                fields=["phone"],
                condition=models.Q(phone__isnull=False),
                name="accounts_user_phone_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(studio__isnull=True) | models.Q(is_staff=True),
                name="accounts_user_manager_is_staff",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        # The admin greets people by this.
        return self.full_name.split(" ", 1)[0] if self.full_name else self.email

    @property
    def is_studio_manager(self) -> bool:
        return self.is_staff and self.studio_id is not None


class SuspendedIdentity(models.Model):
    """A keyed hash of a deleted, suspended account's normalized email or phone number.

    Kept until the suspension would have ended, so that deleting the account and registering
    again does not reset the no-show strikes; neither the address nor the number can be read
    back from it.
    """

    fingerprint = models.CharField(max_length=64, unique=True)
    suspended_until = models.DateTimeField()

    class Meta:
        verbose_name = _("suspended identity")
        verbose_name_plural = _("suspended identities")

    def __str__(self) -> str:
        return self.fingerprint[:12]
