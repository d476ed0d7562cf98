"""Events: posts grouped online into stories (online clustering)."""

from yuqing.analysis.events.clusterer import ClusterConfig, OnlineClusterer
from yuqing.analysis.events.model import Assignment, EventSummary

__all__ = ["Assignment", "ClusterConfig", "EventSummary", "OnlineClusterer"]
