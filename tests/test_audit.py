"""Every exception to bandit's findings gives its reason in the code and is listed in docs/security.md."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

SCANNED = ["agreements", "cooperation", "bench", ".ci/audit_dependencies.py"]
# `# nosec B311 # why`: the test silenced, then the reason after a second hash.
NOSEC = re.compile(r"#\s*nosec\b(?P<tests>[^#]*)(#(?P<reason>.*))?")


def nosec_comments(root: Path) -> list[tuple[str, int, str, str]]:
    found = []
    for target in SCANNED:
        paths = [root / target] if (root / target).is_file() else sorted((root / target).rglob("*.py"))
        for path in paths:
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                match = NOSEC.search(line)
                if match:
                    name = path.relative_to(root).as_posix()
                    found.append((name, number, match["tests"].strip(), (match["reason"] or "").strip()))
    return found


def test_every_nosec_names_its_test_gives_a_reason_and_is_listed_in_the_security_doc():
    root = Path(settings.BASE_DIR)
    listed = (root / "docs" / "security.md").read_text()
    comments = nosec_comments(root)
    assert comments, "expected the exceptions docs/security.md lists"
    for name, number, tests, reason in comments:
        assert re.fullmatch(r"B\d{3}( B\d{3})*", tests), f"{name}:{number}: name the bandit tests it silences"
        assert len(reason) > 10, f"{name}:{number}: give the reason after a second #"
        assert f"| `{name}` | {tests} |" in listed, f"{name}:{number}: list {tests} in docs/security.md"
