"""Human output of the command line: short, aligned tables, in the user's language (the
`--json` output keeps the contract's English keys and values)."""

from __future__ import annotations

from collections.abc import Sequence

from engine import CheckReport, ParkedRecord, RunReport, UndoReport
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
        for conflict in daughter.open_conflicts:
            lines.append(f"? {daughter.name}, {conflict.entity} {list(conflict.key)}: " + _(
                "conflict left open in {fields}: make both sides agree, or choose another "
                "policy").format(fields=", ".join(conflict.fields)))
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
        said = status(run.status) + ("  " + _("(undo of run {run})").format(run=run.undo_of)
                                     if run.undo_of is not None else "")
        rows.append([run.run_id, run.started_at, _("yes") if run.dry_run else "",
                     said, *[totals[c] for c in COUNT_COLUMNS]])
    return table([_("run"), _("started"), _("dry run"), _("status"), *_counts_headings()],
                 rows)


def undo_summary(result: UndoReport) -> str:
    """What `stamsync undo` put back, what it left and why, and what is left to do."""
    run = result.run
    head = (_("Undo of run {undone}, as a dry run (run {run}): nothing was written.")
            if run.dry_run else _("Undo of run {undone}, recorded as run {run}."))
    lines = [head.format(undone=result.undone, run=run.run_id)]
    if run.error:
        lines += [f"! {line}" for line in run.error.splitlines()]
    for daughter in run.daughters:
        if daughter.error:
            lines.append(f"! {daughter.name}: {daughter.error}")
    if result.restored:
        lines.append(_("Put back:") if not run.dry_run else _("Would put back:"))
        for change in result.restored:
            values = ", ".join(f"{name} {now!r} -> {back!r}"
                               for name, (now, back) in change.fields.items())
            lines.append(f"  {change.daughter}, {change.entity} {list(change.key)}: {values}")
    if result.changed_since:
        lines.append(_("Left as they are (changed since run {run}):").format(run=result.undone))
        for left in result.changed_since:
            where = f"  {left.daughter}, {left.entity} {list(left.key)}"
            lines.append(where + ": " + (
                _("the record is gone") if left.field is None else
                _("{field} is now {now!r} (run {run} wrote {wrote!r})").format(
                    field=left.field, now=left.now, wrote=left.wrote, run=result.undone)))
    if result.deleted:
        lines.append(_("Deleted (created by run {run}, unchanged since):").format(
            run=result.undone) if not run.dry_run else _("Would delete:"))
        lines += [f"  {c.daughter}, {c.entity} {list(c.key)}" for c in result.deleted]
    if result.created:
        lines.append(_("Created by run {run} and left in place (--delete-created deletes "
                       "those unchanged since):").format(run=result.undone))
        lines += [f"  {c.daughter}, {c.entity} {list(c.key)}"
                  + ("  " + _("(changed since)") if c.now else "") for c in result.created]
    if result.deleted or result.created:
        lines.append(_("A record the mother still selects is created again at the next sync."))
    for change, message in result.rejected:
        lines.append(f"! {change.daughter}, {change.entity} {list(change.key)}: {message}")
    if result.not_undone:
        lines.append(_("Not undone (why: the lines marked ! above):"))
        lines += [f"  {c.daughter}, {c.entity} {list(c.key)}" for c in result.not_undone]
    if len(lines) == 1:
        lines.append(_("Run {run} wrote nothing that can be put back.").format(
            run=result.undone))
    return "\n".join(lines)


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


ACTIONS = {"create": N_("create"), "update": N_("update"), "remove": N_("remove"),
           "delete": N_("delete")}
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
