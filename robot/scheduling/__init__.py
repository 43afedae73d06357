"""When runs start: schedules.yaml, the scheduler and the lock that keeps runs apart."""
