"""Fail unless every corpus site meets the fidelity bar against real Jekyll + Just the Docs.

Reads the oracle's report/summary.json: per site, the navigation must match (same pages, parents and
order), no page may show raw markup that the real site does not, heading ids >= 99%, links >= 98%.
"""

import json
import sys
from pathlib import Path

HEADINGS_MIN, LINKS_MIN = 0.99, 0.98


def failures(summary: dict) -> list[str]:
    problems = []
    for name, site in summary["sites"].items():
        nav, pages = site["nav"], site["pages"]
        if not nav["structure_ok"]:
            in_place = f"{nav['full_match']}/{nav['union']}"
            problems.append(f"{name}: navigation differs ({in_place} entries in place)")
        if pages["pages_without_extra_leaks"] != pages["pages_common"]:
            leaking = pages["pages_common"] - pages["pages_without_extra_leaks"]
            problems.append(f"{name}: raw markup on {leaking} pages")
        if pages["headings_match"] < HEADINGS_MIN * pages["headings_jtd"]:
            problems.append(f"{name}: heading ids {pages['headings_match']}/{pages['headings_jtd']}")
        if pages["links_match"] < LINKS_MIN * pages["links_jtd"]:
            problems.append(f"{name}: links {pages['links_match']}/{pages['links_jtd']}")
    return problems


if __name__ == "__main__":
    summary = json.loads(Path(sys.argv[1]).read_text())
    problems = failures(summary)
    for problem in problems:
        print(f"fidelity below the bar: {problem}")
    verdict = f"{len(problems)} problems" if problems else "every corpus site meets the bar"
    print(f"fidelity: {verdict}")
    sys.exit(1 if problems else 0)
