"""Deciding one invoice: read → classify → post | return | hold (resumable from any state);
the posting, returns, the customer digest (templates/) and the Invoice Response.
"""
