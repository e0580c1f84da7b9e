"""`make audit`: known vulnerabilities in the installed dependencies, and Pillow at its newest release.

pip-audit asks PyPI's vulnerability data about each installed package. Where
that service cannot be reached (offline, or behind a registry mirror without
it) pip-audit skips the packages and still prints "No known vulnerabilities
found"; this wrapper says plainly that nothing was audited instead.

Exit status: 1 for a known vulnerability or an outdated Pillow; 0 with a
"NOT AUDITED" message when the advisory service gave no answer, so that CI is
not red only because a service is unreachable. AUDIT_STRICT=1 makes that case
fail too, for a release check that must have a verdict.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def run(*args):
    return subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603 (fixed commands)


def audit_dependencies():
    """(vulnerable "name version: ids" lines, names that could not be audited, names audited)."""
    result = run(str(BIN / "pip-audit"), "--skip-editable", "--progress-spinner", "off", "--format", "json")
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        last_error = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return [], [f"all (pip-audit gave no report: {last_error})"], []
    vulnerable, skipped, audited = [], [], []
    for dependency in report["dependencies"]:
        if "skip_reason" in dependency:
            skipped.append(dependency["name"])
            continue
        audited.append(dependency["name"])
        if dependency["vulns"]:
            ids = ", ".join(v["id"] for v in dependency["vulns"])
            vulnerable.append(f"{dependency['name']} {dependency['version']}: {ids}")
    return vulnerable, skipped, audited


def pillow_versions():
    """(installed, latest) as pip reports them; latest is None when the registry did not answer."""
    result = run(str(BIN / "python"), "-m", "pip", "index", "versions", "Pillow")
    found = dict(line.strip().split(":", 1) for line in result.stdout.splitlines() if line.strip().startswith(("INSTALLED:", "LATEST:")))
    return found.get("INSTALLED", "").strip() or None, found.get("LATEST", "").strip() or None


def main():
    strict = os.environ.get("AUDIT_STRICT") == "1"
    failed = unanswered = False

    vulnerable, skipped, audited = audit_dependencies()
    if vulnerable:
        failed = True
        print("make audit: KNOWN VULNERABILITIES in installed dependencies:")
        print("\n".join(f"  {line}" for line in vulnerable))
    if skipped:
        unanswered = True
        print(
            f"make audit: NOT AUDITED: the advisory service did not answer for {len(skipped)} of "
            f"{len(skipped) + len(audited)} dependencies ({', '.join(skipped[:8])}{', ...' if len(skipped) > 8 else ''})."
        )
    if audited and not vulnerable:
        print(f"make audit: no known vulnerabilities in the {len(audited)} dependencies that could be audited.")

    installed, latest = pillow_versions()
    if latest is None:
        unanswered = True
        print("make audit: NOT CHECKED: the package index did not say which Pillow release is the newest.")
    elif installed != latest:
        failed = True
        print(f"make audit: Pillow {installed} is installed but {latest} is out: upgrade it (image decoding is attack surface).")
    else:
        print(f"make audit: Pillow {installed} is the newest release.")

    if failed:
        return 1
    if unanswered:
        print("make audit: no verdict on what could not be checked" + (" (AUDIT_STRICT=1: failing)." if strict else "."))
        return 1 if strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
