"""Where domain errors become HTTP answers: JSON for APIs, a status for HTML pages."""

from django.http import JsonResponse

from operations.core.errors import DomainError


def error_json(error: DomainError) -> JsonResponse:
    return JsonResponse({"error": {"code": error.code, "message": error.message, **error.details}},
                        status=error.http_status)


def render_with_error(render, error: DomainError, **context):
    """Re-render an HTML page with the error shown and the matching 4xx status.
    ``render`` is a callable(context) -> HttpResponse."""
    response = render({"error": error, **context})
    response.status_code = error.http_status
    return response
