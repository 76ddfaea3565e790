from django.urls import path

from operations.invoicing.views import order_credit_note_pdf, order_receipt_pdf
from portal.registration import views

app_name = "registration"
urlpatterns = [
    path("signing-key.pem", views.public_key, name="public_key"),
    path("order/<str:secret>/", views.order_page, name="order"),
    path("order/<str:secret>/details/", views.details, name="details"),
    path("order/<str:secret>/pay/", views.pay, name="pay"),
    path("order/<str:secret>/pay/card/", views.pay_card, name="pay_card"),
    path("order/<str:secret>/tickets.pdf", views.order_tickets_pdf, name="tickets_pdf"),
    path("order/<str:secret>/ticket-<int:ticket_id>.svg", views.ticket_qr, name="ticket_qr"),
    path("order/<str:secret>/event.ics", views.order_calendar, name="ics"),
    path("order/<str:secret>/receipt.pdf", order_receipt_pdf, name="receipt_pdf"),
    path("order/<str:secret>/credit-note-<int:number>.pdf", order_credit_note_pdf, name="credit_note_pdf"),
    path("order/<str:secret>/resend/", views.order_resend, name="resend"),
    path("order/<str:secret>/cancel/", views.order_cancel_view, name="cancel"),
    path("order/<str:secret>/attendee/<int:position_id>/", views.order_attendee, name="attendee"),
    path("order/<str:secret>/attendee/<int:position_id>/answers/", views.order_attendee_answers, name="answers"),
    path("<slug:slug>/", views.choose, name="choose"),
    path("<slug:slug>/waiting-list/", views.waitlist_join, name="waitlist"),
]
