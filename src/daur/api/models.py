"""What the API stores of its own: the first answer to each idempotency key."""

from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """One (client, key): the request's fingerprint and, once it is done, its answer; while
    `status` is empty the first request is still running (IETF idempotency-key draft)."""

    client = models.CharField(max_length=32)  # "t<token id>", or "u<user id>" for a session
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.TextField(blank=True)

    class Meta:
        verbose_name = "idempotency key"
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="api_idempotency_key_unique")
        ]
        indexes = [models.Index(fields=["expires_at"], name="api_idempotency_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.client}: {self.key}"
