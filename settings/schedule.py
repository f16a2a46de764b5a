"""When a schedule syncs (DESIGN section 2): plain functions of the moment, used by the
resident application's loop and by the settings dialog's line in words.

* a sync runs on the configured days, inside [from, until), every N minutes;
* starting inside the window (or resuming there) runs one at once;
* outside the window nothing runs.
"""

from __future__ import annotations

import datetime as dt

from engine.i18n import N_, _, ngettext
from settings.config import DAYS, Schedule

DAY_NAMES = DAYS
DAY_ABBREVIATIONS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
"""The days as a person reads them, Monday first (shown with `_()`; not strftime's "%a",
which follows the C locale, not the chosen language)."""


def in_window(rules: Schedule, now: dt.datetime) -> bool:
    """Whether `now` (local time) lies inside the window: a listed day, from <= t < until."""
    if DAY_NAMES[now.weekday()] not in rules.days:
        return False
    moment = now.time()
    return rules.start <= moment and (rules.until is None or moment < rules.until)


def _local(day: dt.date, moment: dt.time, like: dt.datetime) -> dt.datetime:
    """`moment` on `day` in local time, with that day's own UTC offset when `like` is aware
    (a fixed offset would be an hour off across a daylight-saving change)."""
    naive = dt.datetime.combine(day, moment)
    return naive.astimezone() if like.tzinfo is not None else naive


def window_opens(rules: Schedule, now: dt.datetime) -> dt.datetime:
    """The next moment at or after `now` when the window is open."""
    if in_window(rules, now):
        return now
    for ahead in range(8):
        opens = _local(now.date() + dt.timedelta(days=ahead), rules.start, now)
        if opens >= now and in_window(rules, opens):
            return opens
    raise ValueError("the schedule lists no day")  # the config loader refuses this


def next_run(rules: Schedule, now: dt.datetime, last: dt.datetime | None) -> dt.datetime:
    """When the next scheduled sync is due: inside the window, `every_minutes` after the last
    run (at once when the last run was before the window last opened); else when the
    window next opens."""
    if in_window(rules, now):
        if last is None or last < window_start(rules, now):
            return now
        due = last + dt.timedelta(minutes=rules.every_minutes)
        return due if in_window(rules, due) else window_opens(rules, due)
    return window_opens(rules, now)


def window_start(rules: Schedule, now: dt.datetime) -> dt.datetime:
    """When the open stretch that `now` lies in began: today's `from`, or, for a window open
    all day (00:00-24:00), the first of the listed days in a row before it."""
    day = now.date()
    if rules.start == dt.time(0) and rules.until is None:
        for _day in range(7):
            before = day - dt.timedelta(days=1)
            if DAY_NAMES[before.weekday()] not in rules.days:
                break
            day = before
    return _local(day, rules.start, now)


def when(moment: dt.datetime, now: dt.datetime, today: bool = False) -> str:
    """A moment as a person reads it next to `now`: "10:30" ("today 10:30" with `today`),
    "tomorrow 07:00", "Mon 07:00" (within a week), else the date."""
    days = (moment.date() - now.date()).days
    clock = moment.strftime("%H:%M")
    if days == 0:
        return _("today {time}").format(time=clock) if today else clock
    if days == 1:
        return _("tomorrow {time}").format(time=clock)
    if days == -1:
        return _("yesterday {time}").format(time=clock)
    if -6 <= days <= 6:
        return f"{_(DAY_ABBREVIATIONS[moment.weekday()])} {clock}"
    return f"{moment.strftime('%Y-%m-%d')} {clock}"


def describe(rules: Schedule, now: dt.datetime, last: dt.datetime | None = None) -> str:
    """The schedule in words, with its next run after `last` (the last run's start):
    "Weekdays 07:00-19:00, every 15 minutes; next run today 10:30"."""
    days = set(rules.days)
    if days == set(DAYS):
        which = _("Every day")
    elif days == set(DAYS[:5]):
        which = _("Weekdays")
    elif days == set(DAYS[5:]):
        which = _("Weekends")
    else:
        which = ", ".join(_(DAY_ABBREVIATIONS[i]) for i, d in enumerate(DAYS) if d in days)
        which = which[:1].upper() + which[1:]  # it starts the line ("ma, wo" -> "Ma, wo")
    until = "24:00" if rules.until is None else rules.until.strftime("%H:%M")
    n = rules.every_minutes
    every = (_("every hour") if n == 60 else
             ngettext("every minute", "every {n} minutes", n).format(n=n))
    due = next_run(rules, now, last)
    ahead = (_("next run at once") if due <= now else
             _("next run {when}").format(when=when(due, now, today=True)))
    return _("{days} {start}-{until}, {every}; {next_run}").format(
        days=which, start=rules.start.strftime("%H:%M"), until=until, every=every,
        next_run=ahead)
