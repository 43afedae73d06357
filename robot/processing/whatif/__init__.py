"""``fakturarobot what-if``: what a criteria or rule change would have done to stored invoices.

:func:`~robot.processing.whatif.replay.replay` reads the stored documents of a period again and
decides them with the run's own code (:func:`robot.processing.decision.decide`) under a changed
customers file and/or extra or changed rule modules (:mod:`~robot.processing.whatif.rules`), and
compares each verdict with the one the store holds. The store is opened read-only
(:mod:`~robot.processing.whatif.store`); nothing is written, posted, returned or sent.
"""
