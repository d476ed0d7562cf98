"""The example plans the project ships (examples/plans/ in the repository, and inside
the package under yuqing/examples/plans when installed from a wheel)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from yuqing.core.errors import NotFound
from yuqing.core.i18n import _

_REPO = Path(__file__).resolve().parents[3] / "examples" / "plans"


def example_plan_text(name: str) -> str:
    """The YAML text of an example plan: `county_bureau`, `school` or `township`."""
    packaged = resources.files("yuqing").joinpath("examples", "plans", f"{name}.yaml")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    path = _REPO / f"{name}.yaml"
    if path.is_file():  # a source checkout (editable install)
        return path.read_text(encoding="utf-8")
    raise NotFound(_("no example plan named {name!r}").format(name=name))
