"""examples/files_roundtrip.py runs as a newcomer would run it, against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parents[2] / "examples" / "files_roundtrip.py"


def test_files_roundtrip_downloads_what_the_agent_wrote_about_the_upload(tmp_path: Path) -> None:
    upload = tmp_path / "spec.md"
    upload.write_text("# Acceptance criteria\n- the export finishes in a minute\n")
    env = {k: v for k, v in os.environ.items() if k not in ("QODER_ACCESS_TOKEN", "QODER_PAT")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), str(upload)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer = (tmp_path / "downloads" / "answer.md").read_text()
    assert "> # Acceptance criteria" in answer
