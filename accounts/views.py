from django.conf import settings
from django.contrib.auth import views as auth_views
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit


def _ip_rate(group, request):
    return settings.LOGIN_RATE_IP


def _username_rate(group, request):
    return settings.LOGIN_RATE_USERNAME


@method_decorator(ratelimit(key="ip", rate=_ip_rate, method="POST", block=False), name="post")
@method_decorator(ratelimit(key="post:username", rate=_username_rate, method="POST", block=False), name="post")
class LoginView(auth_views.LoginView):
    """Password login, throttled per address and per username against guessing."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            # Unbound: reading a bound form's errors would run the very password check we refuse.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
            return self.render_to_response(self.get_context_data(form=form, throttled=True), status=429)
        return super().post(request, *args, **kwargs)

