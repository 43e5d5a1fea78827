"""Registries that let accounts run work of the apps above it without importing them.

- `@daily_job` in an app's `daily.py`: time-driven work behind `manage.py run_daily`; every job
  must be idempotent.
- `@demo_step` in an app's `demo.py`: a part of the demo data behind `manage.py seed_demo`; every
  step creates only what is missing.
- `@scale_step` in an app's `scale.py`: a part of the national benchmark dataset behind
  `manage.py generate_scale`; every step bulk-inserts into an empty database (accounts.scale).
"""

from collections.abc import Callable

from django.utils.module_loading import autodiscover_modules


class Registry:
    """Functions registered by name and order from a module of every installed app."""

    def __init__(self, module: str):
        self.module = module
        self._entries: dict[str, tuple[int, Callable]] = {}

    def register(self, name: str, order: int = 100):
        def decorator(func: Callable):
            self._entries.setdefault(name, (order, func))
            return func

        return decorator

    def entries(self) -> list[tuple[str, Callable]]:
        autodiscover_modules(self.module)
        ranked = sorted(self._entries.items(), key=lambda item: (item[1][0], item[0]))
        return [(name, func) for name, (_order, func) in ranked]


_daily = Registry("daily")
_demo = Registry("demo")
_scale = Registry("scale")
daily_job = _daily.register
daily_jobs = _daily.entries
demo_step = _demo.register
demo_steps = _demo.entries
scale_step = _scale.register
scale_steps = _scale.entries
