"""Human output of the command line: short, aligned tables."""

from __future__ import annotations

from collections.abc import Sequence

from engine import CheckReport, RunReport

COUNT_COLUMNS = ("created", "updated", "unchanged", "conflicts", "failed", "skipped", "removed")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_summary(report: RunReport, labels: dict[str, str] | None = None) -> str:
    labels = labels or {}
    kind = "dry run " if report.dry_run else ""
    lines = [f"Run {report.run_id} ({kind}started {report.started_at}): {report.status.upper()}"]
    if report.error:
        lines.append(f"  {report.error}")
    rows: list[list[object]] = []
    for daughter in report.daughters:
        if not daughter.entities:
            rows.append([daughter.name, "-", *[""] * len(COUNT_COLUMNS), daughter.status])
        for name, counts in daughter.entities.items():
            values = counts.to_dict()
            rows.append([daughter.name, labels.get(name, name),
                         *[values[c] for c in COUNT_COLUMNS], daughter.status])
    if rows:
        lines.append(table(["daughter", "entity", *COUNT_COLUMNS, "status"], rows))
    for daughter in report.daughters:
        if daughter.error:
            for message in daughter.error.splitlines():
                lines.append(f"! {daughter.name}: {message}")
        for failure in daughter.failures:
            parked = " (parked until the mother changes it)" if failure.parked else ""
            lines.append(f"! {daughter.name}, {failure.entity} {list(failure.key)}: "
                         f"{failure.message}{parked}")
    if report.dry_run:
        lines.append(f"Dry run: nothing was written. `stamsync show {report.run_id}` lists "
                     "every change it would make.")
    return "\n".join(lines)


def history_table(runs: Sequence[RunReport]) -> str:
    if not runs:
        return "No runs yet. Run `stamsync sync`."
    rows = []
    for run in runs:
        totals = {c: 0 for c in COUNT_COLUMNS}
        for daughter in run.daughters:
            for counts in daughter.entities.values():
                for c, v in counts.to_dict().items():
                    totals[c] += v
        rows.append([run.run_id, run.started_at, "yes" if run.dry_run else "", run.status,
                     *[totals[c] for c in COUNT_COLUMNS]])
    return table(["run", "started", "dry run", "status", *COUNT_COLUMNS], rows)


def changes_list(report: RunReport) -> str:
    lines = []
    for change in report.changes or []:
        head = f"{change.daughter}  {change.entity} {list(change.key)}  {change.action}"
        if change.conflict:
            head += f"  (conflict: {', '.join(change.conflict)})"
        if change.status == "unconfirmed":
            head += "  (unconfirmed: the run stopped before the daughter confirmed it)"
        elif change.status == "planned":
            head += "  (dry run: would be written)"
        lines.append(head)
        for name, (before, after) in change.fields.items():
            if change.action == "create":
                lines.append(f"    {name}: {after!r}")
            else:
                lines.append(f"    {name}: {before!r} -> {after!r}")
    if lines:
        return "\n".join(lines)
    return "This run would write nothing." if report.dry_run else "This run wrote nothing."


def check_summary(report: CheckReport) -> str:
    lines = [f"ok      {line}" for line in report.checked]
    for p in report.problems:
        where = ", ".join(x for x in (p.administration, p.entity) if x)
        lines.append(f"{p.level.upper():<8}{where}: {p.message}" if where
                     else f"{p.level.upper():<8}{p.message}")
    warned = any(p.level == "warning" for p in report.problems)
    verdict = {0: "All is well, but see the warnings above." if warned else "All is well.",
               1: "A daughter has a problem: fix it, then run check again.",
               2: "The config or the mother has a problem: fix it, then run check again."}
    lines.append(verdict[report.exit_code])
    return "\n".join(lines)
