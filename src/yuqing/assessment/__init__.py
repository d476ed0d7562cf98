"""Assessment (考评, PRODUCT §8): reporting duties per department and person, computed
from what the store keeps (docs/assessment.md)."""
