"""The outside world: sources of invoices, ERP ledgers, notifiers."""
