"""The pages' read queries: pure functions of a :class:`~robot.store.repo.Store` returning
dataclasses, paged by keys or indexes so they stay fast at a million invoices."""
