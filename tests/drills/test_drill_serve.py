"""`yuqing drill start` serving: the sandbox's pages say 演练, alerts say 【演练】, and
Ctrl-C stops it cleanly, after which `drill score` reads what the replay reached."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.demo.test_demo_cli import WAIT

ROOT = Path(__file__).resolve().parents[2]


def test_a_drill_serves_its_sandbox_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = dict(os.environ)
    env.update({"YUQING_HOME": str(tmp_path / "home"), "YUQING_LANG": "en"})
    env.pop("YUQING_DB", None)
    command = [sys.executable, "-m", "yuqing", "drill", "start", "d1", "--no-browser",
               "--port", "0", "--speed", "100000"]  # fmt: skip
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True
    )
    try:
        assert proc.stdout is not None
        seen: list[str] = []
        url = None
        for line in proc.stdout:
            seen.append(line.rstrip("\n"))
            found = re.search(r"serving on (http://127\.0\.0\.1:\d+)", line)
            url = url or (found.group(1) if found else None)
            if "scenario replayed" in line:
                break
        assert url, seen
        assert any("alert deliveries are recorded, not sent" in s for s in seen), seen
        alerts = [s for s in seen if " alert: " in s]
        assert alerts and all("【演练】" in s for s in alerts), alerts
        with httpx.Client(base_url=url, trust_env=False, timeout=WAIT) as http:
            assert 'class="drill-banner"' in http.get("/login").text
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "drill stopped" in out
    scored = subprocess.run(
        [sys.executable, "-m", "yuqing", "drill", "score", "d1", "--json"],
        capture_output=True, env=env, cwd=ROOT, text=True, timeout=WAIT, check=False,
    )  # fmt: skip
    assert scored.returncode == 0, scored.stderr
    result = json.loads(scored.stdout)
    assert result["events"] and all(e["incident_id"] is None for e in result["events"])
    assert not (tmp_path / "home" / "yuqing.db").exists()  # no live store was made
