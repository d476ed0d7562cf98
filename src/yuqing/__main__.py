"""`python -m yuqing` runs the command."""

from yuqing.cli.main import run

run()
