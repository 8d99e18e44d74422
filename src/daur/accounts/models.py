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


class ApiToken(models.Model):
    """A user's key to the API (SPEC §7): only a hash of the secret is stored; the secret is
    shown once, when the token is made (daur.accounts.tokens)."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    # The token's first characters, shown to tell tokens apart (not enough to use one).
    prefix = models.CharField(_("prefix"), max_length=16)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or self.user})"
