"""Taxes (services.taxes) and receipts / credit notes (services.receipts)."""
