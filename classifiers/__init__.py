"""The rules that sort invoices by error type, and each customer's criteria."""
