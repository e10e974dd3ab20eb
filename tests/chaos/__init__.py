"""The fault campaign (``make chaos`` / ``make chaos-short``; ``python -m tests.chaos --short``).

A real broker, a real sandbox and real worker processes run a workload of orders, cart events and
corrections while faults land at random moments: worker SIGKILLs, broker pauses (SIGSTOP/SIGCONT),
broker restarts (SIGTERM or SIGKILL, then a new broker on the same port and the same S3 storage),
sandbox outages and slow-downs over sustained 5xx/429, rebalances with a second worker, and poison
records of every kind. At the end every record must be reflected exactly once: its effect in the
sandbox equals the model, or it sits in the dead-letter topic with the expected reason. The module
prints the figures and exits non-zero when the invariant breaks. It is not collected by pytest.
"""
