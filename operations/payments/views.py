"""Provider webhooks on each organization's site: verify, store, process once, answer fast."""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from operations.core.http import error_json
from operations.core.errors import DomainError
from operations.payments.services.webhooks import webhook_receive


@csrf_exempt
@require_POST
def webhook(request, provider: str):
    if len(request.body) > 512 * 1024:
        return HttpResponse("Too large.", status=413)
    try:
        event = webhook_receive(provider=provider, body=request.body, headers=request.headers)
    except DomainError as error:  # bad signature or event: 400; "busy": 503, the provider retries
        return error_json(error)
    return JsonResponse({"received": True, "result": event.result, "error": event.error})
