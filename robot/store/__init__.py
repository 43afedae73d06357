"""The store: every document, invoice, finding, event, posting and notice the robot handles."""
