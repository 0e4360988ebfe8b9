"""bench/review_loop.py: the loop simulated on a labelled set improves the held-out half."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "review_loop.py"

STALLS = [
    "The stall-out hit every vendor on our street.",
    "After the stall-out we sold half as much.",
    "A long stall-out at the market this spring.",
    "My cousin's stall-out lasted three months.",
    "The stall-out means no customers at all.",
    "Since the stall-out nobody buys lunch here.",
    "Another stall-out, another month of debt.",
    "We survived the stall-out on savings.",
]
PLAIN = [
    "Thank you for the interesting session.",
    "The interpretation was clear and the room was good.",
    "Please share the slides after the meeting.",
    "Great speakers, well organised.",
]


def labelled(tmp_path: Path) -> Path:
    rows = [
        {"id": f"s{n}", "language": "en", "text": text, "levels": ["economic_crisis"]}
        for n, text in enumerate(STALLS)
    ] + [
        {"id": f"p{n}", "language": "en", "text": text, "levels": []}
        for n, text in enumerate(PLAIN)
    ]
    path = tmp_path / "stalls.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300
    )


def test_accepted_suggestions_raise_f1_on_the_held_out_half(tmp_path: Path):
    result = run("--file", str(labelled(tmp_path)), "--list")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("en "))
    _language, held_out, added, *figures, delta = line.split()
    assert held_out == "6" and int(added) >= 1
    before_f1, after_f1 = float(figures[2]), float(figures[5])
    assert after_f1 > before_f1 and float(delta) == round(after_f1 - before_f1, 3)
    assert "economic_crisis indicator stall-out" in " ".join(result.stdout.split())


def test_a_stricter_rule_accepts_nothing_and_changes_nothing(tmp_path: Path):
    result = run("--file", str(labelled(tmp_path)), "--min-support", "50")
    line = next(line for line in result.stdout.splitlines() if line.startswith("en "))
    assert line.split()[1:3] == ["6", "0"] and line.split()[-1] == "+0.000"


def test_the_blind_quarter_is_never_read(tmp_path: Path):
    blind = tmp_path / "field_blind_2.jsonl"
    blind.write_text("{}\n", encoding="utf-8")
    result = run("--file", str(blind))
    assert result.returncode == 2 and "never used here" in result.stderr
