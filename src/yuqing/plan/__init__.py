"""The plan (预案): a versioned YAML file that says who does what, by when, at which level.

Levels, criteria, deadlines, stages, approval chains, routes, roles, units and duty rosters
all come from here; code never hard-codes "four levels" or "two hours" (ARCHITECTURE).
"""
