"""App configuration for users and roles."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "daur.accounts"
    verbose_name = "Users and roles"
