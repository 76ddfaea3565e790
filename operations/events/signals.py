"""Signals for what lives around an event outside operations (cms form builder questions).

operations may not import cms (dependencies point inwards), so cms listens here."""

from django.dispatch import Signal

# Sent inside event_clone's transaction: source (Event), copy (Event), ticket_types ({old pk: new
# TicketType}). A receiver that raises rolls the whole clone back.
event_cloned = Signal()
