"""The vocabulary discover recognises: frameworks, outbound channels, and
what user data is called. Tables, so that adding a framework is adding a row."""

from __future__ import annotations

import re

from minlint.discover.model import Framework

# -- handlers ---------------------------------------------------------------

# servlet-class frameworks (Synapse, Twisted resources): on_GET, on_POST, ... and render_GET
SERVLET_METHOD = re.compile(r"(on|render)_(GET|POST|PUT|PATCH|DELETE|HEAD)")

# class-based views: base last name -> framework
VIEW_BASES: dict[str, Framework] = {
    "APIView": "drf", "GenericAPIView": "drf", "ViewSet": "drf", "GenericViewSet": "drf", "ModelViewSet": "drf",
    "ReadOnlyModelViewSet": "drf", "ListAPIView": "drf", "RetrieveAPIView": "drf", "ListCreateAPIView": "drf",
    "RetrieveUpdateAPIView": "drf", "RetrieveUpdateDestroyAPIView": "drf", "RetrieveDestroyAPIView": "drf",
    "View": "django", "TemplateView": "django", "DetailView": "django", "ListView": "django", "FormView": "django",
    "UpdateView": "django", "CreateView": "django", "DeleteView": "django", "RedirectView": "django",
    "MethodView": "flask",
}
VIEW_METHODS = frozenset({"get", "post", "put", "patch", "delete", "list", "retrieve", "create", "update",
                          "partial_update", "destroy", "get_context_data", "get_object", "get_queryset"})
# methods that hand data out (others, such as get_queryset, only feed them)
ANSWERING = frozenset({"get", "post", "put", "patch", "delete", "list", "retrieve", "create", "update",
                       "partial_update", "destroy"})
# bases whose list/retrieve are inherited: a class deriving from one without a def is a disclosure by itself
INHERITED_READS: dict[str, tuple[str, ...]] = {
    "ModelViewSet": ("list", "retrieve"), "ReadOnlyModelViewSet": ("list", "retrieve"),
    "ListAPIView": ("list",), "RetrieveAPIView": ("retrieve",), "ListCreateAPIView": ("list",),
    "RetrieveUpdateAPIView": ("retrieve",), "RetrieveUpdateDestroyAPIView": ("retrieve",),
    "RetrieveDestroyAPIView": ("retrieve",),
}

# decorators: (qualified prefix or last name, framework); the last name of a
# route decorator of an app/router/blueprint/service object
ROUTE_VERBS = frozenset({"route", "get", "post", "put", "patch", "delete", "api_route", "websocket"})
DECORATOR_FRAMEWORKS: tuple[tuple[str, Framework], ...] = (
    ("pyramid.view.view_config", "pyramid"), ("view_config", "pyramid"),
    ("rest_framework.decorators.api_view", "drf"), ("api_view", "drf"), ("rest_framework.decorators.action", "drf"),
)
IMPORT_FRAMEWORKS: tuple[tuple[str, Framework], ...] = (
    ("fastapi", "fastapi"), ("flask", "flask"), ("cornice", "cornice"), ("pyramid", "pyramid"),
    ("django", "django"), ("rest_framework", "drf"),
)

# -- channels ---------------------------------------------------------------

# qualified callees
CHANNEL_CALLS: dict[str, Framework] = {
    **{f"requests.{m}": "http" for m in ("post", "put", "patch", "request", "get")},
    **{f"httpx.{m}": "http" for m in ("post", "put", "patch", "request", "get")},
    "urllib.request.urlopen": "http",
    "django.core.mail.send_mail": "mail", "django.core.mail.send_mass_mail": "mail",
    "django.core.mail.EmailMessage": "mail", "django.core.mail.EmailMultiAlternatives": "mail",
    "json.dump": "export", "pickle.dump": "export",
}
# method names, with the receiver's last name that must contain one of the words
CHANNEL_METHODS: dict[str, tuple[Framework, tuple[str, ...]]] = {
    "post_json_get_json": ("http", ()), "put_json": ("http", ()), "post_json": ("http", ()),
    "post_urlencoded_get_json": ("http", ()), "post": ("http", ("client", "session", "http", "requests")),
    "put": ("http", ("client", "session", "http")), "patch": ("http", ("client", "session", "http")),
    "request": ("http", ("client", "session", "http")),
    "send_mail": ("mail", ()), "send_mass_mail": ("mail", ()), "sendmail": ("mail", ()),
    "send_message": ("mail", ("smtp", "mail", "sqs", "queue")), "send": ("mail", ("mail", "mailer")),
    "send_immediately": ("mail", ("mail",)),
    "put_object": ("export", ()), "upload_file": ("export", ()), "upload_fileobj": ("export", ()),
    "writerow": ("export", ()), "writerows": ("export", ()),
    "publish": ("queue", ()), "basic_publish": ("queue", ()), "send_task": ("queue", ()),
    "apply_async": ("queue", ()), "produce": ("queue", ()),
}

# -- user data ----------------------------------------------------------------

# normalised field name -> personal-data kind (full match, first wins)
PERSONAL: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(p)) for kind, p in (
    ("contact", r"(\w+_)?(e_?mail(s|_address(es)?)?|phone(_number)?s?|mobile|msisdn|address(es)?|threepids?|"
                r"postal_code|zip(_code)?|recipients?)"),
    ("network", r"(\w+_)?(ip(v[46])?(_addr(ess)?)?|user_agents?|last_seen(_ts|_at)?|remote_addr|mac(_address)?|"
                r"connections|sessions|device_id)"),
    ("identity", r"((first|last|full|display|sender_display|real|user)_?name|username|displayname|"
                 r"birth_?(date|day)|date_of_birth|dob|gender|avatar(_url)?|biography|bio|external_ids?|"
                 r"national_id|ssn|passport(_number)?)"),
    ("content", r"(content|body|message|messages|text|sender|answers?|comments?|notes?|availabilit(y|ies))"),
    ("credential", r"(\w+_)?(password|passwd|activation_key|reset_password|password_reset_token)"),
    ("location", r"(location|latitude|longitude|lat|lon|lng|geo(location)?|city|country)"),
))

# receivers and names that hold a user record
RECORD_WORDS = re.compile(r"(user|users|profile|account|member|person|people|speaker|customer|subscriber|"
                          r"author|sender|recipient|participant|attendee|patient|employee)s?", re.IGNORECASE)
# calls whose result is a whole record
WHOLE_RECORD_CALLS = frozenset({"asdict", "as_dict", "to_dict", "_asdict", "model_to_dict", "model_dump", "dict",
                                "__dict__", "vars", "copy", "deepcopy"})


def personal_kind(field: str) -> str | None:
    for kind, pattern in PERSONAL:
        if pattern.fullmatch(field):
            return kind
    return None
