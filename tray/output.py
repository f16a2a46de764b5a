"""Human output of the command line: short, aligned tables, in the user's language (the
`--json` output keeps the contract's English keys and values)."""

from __future__ import annotations

from collections.abc import Sequence

from engine import CheckReport, ParkedRecord, RunReport
from engine.i18n import N_, _

COUNT_COLUMNS = ("created", "updated", "unchanged", "conflicts", "failed", "skipped", "removed")
HEADINGS = {"created": N_("created"), "updated": N_("updated"), "unchanged": N_("unchanged"),
            "conflicts": N_("conflicts"), "failed": N_("failed"), "skipped": N_("skipped"),
            "removed": N_("removed")}
"""The count columns' headings."""
STATUS = {"ok": N_("ok"), "attention": N_("attention"), "failed": N_("failed"),
          "running": N_("running")}
"""A run's or daughter's status, in words."""
LEVELS = {"error": N_("error"), "warning": N_("warning")}


def status(value: str) -> str:
    return _(STATUS[value]) if value in STATUS else value


def _counts_headings() -> list[str]:
    return [_(HEADINGS[c]) for c in COUNT_COLUMNS]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_summary(report: RunReport, labels: dict[str, str] | None = None) -> str:
    labels = labels or {}
    head = (_("Run {run} (dry run started {started}): {status}") if report.dry_run else
            _("Run {run} (started {started}): {status}"))
    lines = [head.format(run=report.run_id, started=report.started_at,
                         status=status(report.status).upper())]
    if report.error:
        lines.append(f"  {report.error}")
    rows: list[list[object]] = []
    for daughter in report.daughters:
        if not daughter.entities:
            rows.append([daughter.name, "-", *[""] * len(COUNT_COLUMNS),
                         status(daughter.status)])
        for name, counts in daughter.entities.items():
            values = counts.to_dict()
            rows.append([daughter.name, labels.get(name, name),
                         *[values[c] for c in COUNT_COLUMNS], status(daughter.status)])
    if rows:
        lines.append(table([_("daughter"), _("entity"), *_counts_headings(), _("status")],
                           rows))
    for daughter in report.daughters:
        if daughter.error:
            for message in daughter.error.splitlines():
                lines.append(f"! {daughter.name}: {message}")
        for failure in daughter.failures:
            parked = _(" (parked until the mother changes it)") if failure.parked else ""
            lines.append(f"! {daughter.name}, {failure.entity} {list(failure.key)}: "
                         f"{failure.message}{parked}")
    if report.dry_run:
        lines.append(_("Dry run: nothing was written. `stamsync show {run}` lists every "
                       "change it would make.").format(run=report.run_id))
    return "\n".join(lines)


def history_table(runs: Sequence[RunReport]) -> str:
    if not runs:
        return _("No runs yet. Run `stamsync sync`.")
    rows = []
    for run in runs:
        totals = {c: 0 for c in COUNT_COLUMNS}
        for daughter in run.daughters:
            for counts in daughter.entities.values():
                for c, v in counts.to_dict().items():
                    totals[c] += v
        rows.append([run.run_id, run.started_at, _("yes") if run.dry_run else "",
                     status(run.status), *[totals[c] for c in COUNT_COLUMNS]])
    return table([_("run"), _("started"), _("dry run"), _("status"), *_counts_headings()],
                 rows)


def parked_list(parked: Sequence[ParkedRecord]) -> str:
    """The parked records, each with the database's last message; empty: none."""
    if not parked:
        return ""
    lines = [_("Parked records (rejected 3 runs in a row; tried again once the mother "
               "changes them):")]
    lines += [f"! {p.daughter}, {p.entity} {list(p.key)}: {p.message}" for p in parked]
    return "\n".join(lines)


def changes_list(report: RunReport) -> str:
    lines = []
    for change in report.changes or []:
        head = f"{change.daughter}  {change.entity} {list(change.key)}  {action(change.action)}"
        if change.conflict:
            head += "  " + _("(conflict: {fields})").format(fields=", ".join(change.conflict))
        if change.status == "unconfirmed":
            head += "  " + _("(unconfirmed: the run stopped before the daughter confirmed it)")
        elif change.status == "planned":
            head += "  " + _("(dry run: would be written)")
        lines.append(head)
        for name, (before, after) in change.fields.items():
            if change.action == "create":
                lines.append(f"    {name}: {after!r}")
            else:
                lines.append(f"    {name}: {before!r} -> {after!r}")
    if lines:
        return "\n".join(lines)
    return _("This run would write nothing.") if report.dry_run else _("This run wrote nothing.")


ACTIONS = {"create": N_("create"), "update": N_("update"), "remove": N_("remove")}
"""What a change did, in words."""


def action(value: str) -> str:
    return _(ACTIONS[value]) if value in ACTIONS else value


def check_summary(report: CheckReport) -> str:
    width = max(8, *(len(_(w)) + 1 for w in ("ok", *LEVELS.values())))
    lines = [f"{_('ok'):<{width}}{line}" for line in report.checked]
    for p in report.problems:
        where = ", ".join(x for x in (p.administration, p.entity) if x)
        level = (_(LEVELS[p.level]) if p.level in LEVELS else p.level).upper()
        lines.append(f"{level:<{width}}{where}: {p.message}" if where
                     else f"{level:<{width}}{p.message}")
    warned = any(p.level == "warning" for p in report.problems)
    verdict = {0: _("All is well, but see the warnings above.") if warned else _("All is well."),
               1: _("A daughter has a problem: fix it, then run check again."),
               2: _("The config or the mother has a problem: fix it, then run check again.")}
    lines.append(verdict[report.exit_code])
    return "\n".join(lines)
