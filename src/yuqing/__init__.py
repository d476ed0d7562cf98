"""YuQing (舆情): notice what is said about an organization online and handle it by its plan."""

__version__ = "0.1.0"
