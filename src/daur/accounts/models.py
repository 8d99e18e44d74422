"""A Daur user: Django's user with one role of SPEC §5."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    MANAGER = "manager", _("Manager")
    SALES_REP = "sales_rep", _("Sales rep")
    MARKETER = "marketer", _("Marketer")
    SUPPORT_AGENT = "support_agent", _("Support agent")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.SALES_REP)
    lead_capacity = models.PositiveIntegerField(
        _("lead capacity"),
        null=True,
        blank=True,
        help_text=_(
            "The most open leads this user carries before assignment passes them by; "
            "empty: DAUR_LEAD_CAPACITY."
        ),
    )
    is_demo = models.BooleanField(
        _("demo only"), default=False, help_text=_("Created by `daur demo`; not for real use.")
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="accounts_user_role_valid"
            )
        ]

    @property
    def sees_everything(self) -> bool:
        """Admins and managers see every customer and lead; the others see what they own."""
        return self.is_superuser or self.role in (Role.ADMIN, Role.MANAGER)
