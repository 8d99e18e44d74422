"""The login form: Django's, with the autocomplete hints browsers and password managers expect;
the client address the lock-out after failed logins counts by."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocomplete="username", autofocus=True)
        self.fields["password"].widget.attrs.update(autocomplete="current-password")


def client_address(request: HttpRequest) -> str | None:
    """The address a request came from (django-axes' AXES_CLIENT_IP_CALLABLE). Behind proxies
    (DAUR_FORWARDED_FOR_HEADER), the one the outermost of DAUR_PROXY_COUNT proxies saw: each
    appends its client's address to the header, so the addresses left of it are the client's
    own writing. Without that, every login would come from the proxy's address, and five wrong
    passwords from anyone would lock a user out for everyone."""
    header = settings.DAUR_FORWARDED_FOR_HEADER
    if header:
        key = "HTTP_" + header.upper().replace("-", "_")
        hops = [hop.strip() for hop in request.META.get(key, "").split(",") if hop.strip()]
        if len(hops) >= settings.DAUR_PROXY_COUNT:
            return hops[-settings.DAUR_PROXY_COUNT]
    return request.META.get("REMOTE_ADDR")
