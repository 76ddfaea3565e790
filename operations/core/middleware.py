from django.http import QueryDict
from django.template.response import TemplateResponse

from operations.core.errors import DomainError
from operations.core.http import error_json


class DomainErrorMiddleware:
    """The one place where a DomainError that escapes a view becomes an HTTP answer: JSON for
    clients that ask for it, otherwise a page with the message, always with the error's 4xx.

    Views that re-render a form with the error (operations.core.http.render_with_error) never get
    here; this catches refusals such as a role without access to a screen."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # PostgreSQL text cannot hold NUL. In a query string it is dropped (listings and searches
        # then treat the value as any other they cannot use); in a submitted form it is refused.
        if _holds_nul(request.GET):
            request.GET = _without_nul(request.GET)
        if request.method == "POST" and _holds_nul(request.POST):
            return self.process_exception(request, DomainError(
                "The form contained a NUL character (\\0), which text may not hold.", code="nul_character"))
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        if "application/json" in request.headers.get("Accept", ""):
            return error_json(exception)
        response = TemplateResponse(request, "errors/refused.html", {"error": exception},
                                    status=exception.http_status)
        return response.render()


def _holds_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())


def _without_nul(data: QueryDict) -> QueryDict:
    cleaned = QueryDict(mutable=True)
    for key, values in data.lists():
        cleaned.setlist(key.replace("\x00", ""), [value.replace("\x00", "") for value in values])
    cleaned._mutable = False
    return cleaned
