"""The bundled demo: a fictional county's watches and a scenario of posts, replayed live."""

DEFAULT_SPEED = 360.0  # one scenario hour in ten seconds: the story's first day in 4 minutes
WORKER_PAUSE = 0.25  # real seconds the worker waits between rounds at the least
