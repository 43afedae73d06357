"""The demo, not the product: the generator of samples/ and the run against the sandbox purchase
system and the Business Central-shaped test ERP.
"""
