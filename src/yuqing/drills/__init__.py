"""Drills (演练, PRODUCT §8): a scenario replayed on an accelerated clock into a sandbox
home that copies the office's plan, watches and people, and scored against the plan.

The sandbox runs the same pipeline, app and worker as `yuqing serve` (demo/live.py);
nothing here is a second copy of them.
"""

DRILLS_DIR = "drills"  # under the live home: $YUQING_HOME/drills/NAME/
MARKER = "drill.json"  # in a sandbox home: what it is a drill of (and that it is one)
DRILL_TAG = "【演练】"  # in every alert title a drill raises, in every language
