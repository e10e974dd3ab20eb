"""Mapping: commerce events → plans of CDP calls, one small function per event type.  [pure]"""

from worker.mapping.routing import STREAM_MAPPERS, NoRouteError, plan_for
from worker.mapping.stream import MappingOptions

__all__ = ["STREAM_MAPPERS", "MappingOptions", "NoRouteError", "plan_for"]
