"""Payment services: the only code that changes payments, refunds, provider events and accounts."""
