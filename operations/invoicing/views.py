"""The attendee's receipt download on the order page (/register/order/<secret>/receipt.pdf).
The order's secret is the credential; the query runs in the request's organization schema, so an
order of another organization is simply not found (404)."""

from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache

from operations.invoicing.branding import brand_current
from operations.invoicing.documents import receipt_filename, receipt_pdf
from operations.invoicing.models import Receipt
from operations.invoicing.services.receipts import receipt_issue
from operations.ticketing.selectors import order_by_secret


def pdf_response(receipt: Receipt) -> HttpResponse:
    response = HttpResponse(receipt_pdf(receipt, brand=brand_current()), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt_filename(receipt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
def order_receipt_pdf(request, secret: str):
    order = order_by_secret(secret)
    if order is None:
        raise Http404
    receipt = receipt_issue(order_id=order.pk)  # issued on first need should the automatic issue have failed
    if receipt is None:
        raise Http404  # not confirmed, or free
    return pdf_response(receipt)


@never_cache
def order_credit_note_pdf(request, secret: str, number: int):
    order = order_by_secret(secret)
    note = order and Receipt.objects.filter(order=order, kind=Receipt.Kind.CREDIT_NOTE, number=number).first()
    if not note:
        raise Http404
    return pdf_response(note)
