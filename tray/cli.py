"""The `stamsync` command (DESIGN section 3).

Exit codes: 0 done; 1 done but needs attention; 2 invalid config or usage, nothing written;
3 another sync holds the lock.
"""

from __future__ import annotations

import argparse
import getpass
import json
import shlex
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import engine
from engine import ConfigError, LockHeld, StamsyncError, i18n, secrets
from engine.i18n import N_, _
from settings import Config, find_config, language_setting, load
from settings.dialog import TABS
from tray import output


def _version() -> str:
    try:
        return version("stamsync")
    except PackageNotFoundError:
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    config_help = _("the config file (default: $STAMSYNC_CONFIG, ./stamsync.toml, or the "
                    "user's config folder)")
    json_help = _("print the result as JSON")
    common = argparse.ArgumentParser(add_help=False)  # --config after the command too
    common.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help=config_help)
    parser = argparse.ArgumentParser(
        prog="stamsync",
        description=_("Keeps customers, suppliers and items of a mother administration the "
                      "same in its daughters."))
    parser.add_argument("--config", metavar="FILE", help=config_help)
    parser.add_argument("--version", action="version", version=f"stamsync {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("sync", parents=[common], help=_("sync now"))
    p.add_argument("--dry-run", action="store_true",
                   help=_("show what would change; write nothing"))
    p.add_argument("--entity", action="append", default=[], metavar="E",
                   help=_("only this entity (repeatable)"))
    p.add_argument("--daughter", action="append", default=[], metavar="D",
                   help=_("only this daughter (repeatable)"))
    p.add_argument("--json", action="store_true", help=json_help)

    p = sub.add_parser("check", parents=[common],
                       help=_("check config, connections, tables, columns and keys"))
    p.add_argument("--json", action="store_true", help=json_help)

    p = sub.add_parser("history", parents=[common], help=_("recent runs, newest first"))
    p.add_argument("--limit", type=int, default=20, metavar="N",
                   help=_("how many runs (default 20)"))
    p.add_argument("--json", action="store_true", help=json_help)

    p = sub.add_parser("show", parents=[common], help=_("one run with every change"))
    p.add_argument("run_id", type=int, metavar="RUN_ID")
    p.add_argument("--json", action="store_true", help=json_help)

    p = sub.add_parser("password", parents=[common],
                       help=_("store an administration's password in the OS keyring (asked "
                              "for, never shown), or remove it with --forget"))
    p.add_argument("administration", metavar="NAME")
    p.add_argument("--forget", action="store_true",
                   help=_("remove the stored password"))

    p = sub.add_parser("undo", parents=[common],
                       help=_("put back what a run wrote, where nobody changed it since"))
    p.add_argument("run_id", type=int, metavar="RUN_ID")
    p.add_argument("--delete-created", action="store_true",
                   help=_("also delete the records the run created, if unchanged since"))
    p.add_argument("--dry-run", action="store_true",
                   help=_("show what would be put back; write nothing"))
    p.add_argument("--json", action="store_true", help=json_help)

    sub.add_parser("tray", parents=[common],
                   help=_("the tray icon: syncs on the schedule, Sync now and Pause in its "
                          "menu (the default command)"))
    sub.add_parser("run", parents=[common],
                   help=_("sync on the schedule without an icon (a service or scheduled "
                          "task); Ctrl-C or SIGTERM stops it"))

    p = sub.add_parser("settings", parents=[common],
                       help=_("the settings dialog: administrations, data, schedule, "
                              "conflicts, history"))
    p.add_argument("--tab", choices=TABS, help=_("the tab to open on"))

    p = sub.add_parser("autostart", parents=[common],
                       help=_("start the tray for this config at login: on, off, or status"))
    p.add_argument("switch", choices=["on", "off", "status"], nargs="?", default="status")

    p = sub.add_parser("demo", parents=[common],
                       help=_("build a demo mother and two daughters in SQLite and sync them"))
    p.add_argument("--dir", default="stamsync-demo", metavar="DIR",
                   help=_("folder for the demo (default: ./stamsync-demo)"))
    p.add_argument("--records", type=int, default=200, metavar="N",
                   help=_("customers, suppliers and items each (default 200)"))
    return parser


def speak(argv: Sequence[str]) -> str:
    """Choose the language before anything is said: the config's `[interface] language`
    (the config named by --config, $STAMSYNC_CONFIG, ...), else the operating system's."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--config", default=None)
    known, _rest = early.parse_known_args(argv)
    return i18n.use(language_setting(find_config(known.config)))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    speak(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # `stamsync` alone: the tray
        args.command = "tray"
    handler: Callable[[argparse.Namespace], int] = _COMMANDS[args.command]
    try:
        return handler(args)
    except StamsyncError as error:
        print(f"stamsync: {error.title}: {error}", file=sys.stderr)
        if args.command in WINDOWED and (sys.stderr is None or not sys.stderr.isatty()):
            from tray.notify import plyer_send  # started at login or by a click: no terminal

            plyer_send(f"stamsync: {error.title}", str(error))
        return error.exit_code
    except KeyboardInterrupt:
        print(_("stamsync: stopped."), file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


WINDOWED = ("tray", "settings")
"""Commands started from the desktop: their errors also come as a notification."""


def _config(args: argparse.Namespace) -> Config:
    return load(find_config(args.config))


def _labels(config: Config) -> dict[str, str]:
    return {e.name: e.display_name for e in config.spec.entities}


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def cmd_sync(args: argparse.Namespace) -> int:
    config = _config(args)
    progress, close = _progress_bar(enabled=not args.json)
    try:
        report = engine.sync(config.spec, dry_run=args.dry_run, entities=args.entity,
                             daughters=args.daughter, progress=progress)
    finally:
        close()
    if args.json:
        _print_json(report.to_dict())
    else:
        print(output.run_summary(report, _labels(config)))
    return report.exit_code


def cmd_check(args: argparse.Namespace) -> int:
    try:
        config = _config(args)
    except ConfigError as error:
        report = engine.CheckReport([engine.Problem("error", "config", None, None, str(error))])
    else:
        report = engine.check(config.spec)
    if args.json:
        _print_json(report.to_dict())
    else:
        print(output.check_summary(report))
    return report.exit_code


def cmd_history(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ConfigError(_("--limit must be 1 or more."))
    spec = _config(args).spec
    runs = engine.history(spec, args.limit)
    parked = engine.parked(spec)
    if args.json:
        _print_json({"runs": [r.to_dict() for r in runs],
                     "parked": [p.to_dict() for p in parked]})
    else:
        print(output.history_table(runs))
        if parked:
            print()
            print(output.parked_list(parked))
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    """The password of one administration of the config, into the OS keyring (or out)."""
    spec = _config(args).spec
    names = [spec.mother.name, *(d.name for d in spec.daughters)]
    name = args.administration
    if name not in names:
        raise ConfigError(_("There is no administration '{name}' in the config. Known: "
                            "{known}.").format(name=name, known=", ".join(names)))
    if args.forget:
        secrets.forget(name)
        print(_("The password of '{name}' is removed from the OS keyring.").format(name=name))
        return 0
    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass(_("Password of '{name}' (not shown): ").format(name=name))
        again = getpass.getpass(_("The same password again: "))
        if first != again:
            raise ConfigError(_("The two passwords differ; nothing was stored. Try again."))
    else:  # from a pipe or a file: the first line
        first = (sys.stdin.readline() if sys.stdin is not None else "").rstrip("\r\n")
    if not first:
        raise ConfigError(_("No password was given; nothing was stored."))
    secrets.store(name, first)
    print(_("The password of '{name}' is stored in the OS keyring (service '{service}'); "
            "it is never written to the config.").format(name=name, service=secrets.SERVICE))
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    config = _config(args)
    result = engine.undo(config.spec, args.run_id, delete_created=args.delete_created,
                         dry_run=args.dry_run)
    if args.json:
        _print_json(result.to_dict())
    else:
        print(output.undo_summary(result))
    return result.exit_code


def cmd_show(args: argparse.Namespace) -> int:
    config = _config(args)
    report = engine.show(config.spec, args.run_id)
    if args.json:
        _print_json(report.to_dict(with_changes=True))
    else:
        print(output.run_summary(report, _labels(config)))
        print()
        print(output.changes_list(report))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from tray import headless

    return headless.run(find_config(args.config))


def cmd_tray(args: argparse.Namespace) -> int:
    from tray import app, desktop

    desktop.require_session()
    path = find_config(args.config)
    if not path.exists():
        _first_settings(path)
    return app.run(path)


def _first_settings(path: Path) -> None:
    """No config yet: the settings dialog makes one (the tray starts once it is saved)."""
    from settings.dialog import SettingsWindow

    if not SettingsWindow(path).run():
        raise ConfigError(_(
            "stamsync has no config yet, and none was saved (it goes to {path}). Start "
            "stamsync again and fill in the settings, or point --config at an existing "
            "file.").format(path=path), title=N_("No config yet"))


def cmd_settings(args: argparse.Namespace) -> int:
    from filelock import FileLock, Timeout

    from settings import state_path_for
    from settings.dialog import SettingsWindow
    from tray import desktop

    desktop.require_session()
    path = find_config(args.config)
    state = state_path_for(path.resolve())
    state.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(state.with_name(state.name + ".settings.lock"), timeout=0, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise LockHeld(_("The settings of '{path}' are open already; use that window.").format(
            path=path), title=N_("Settings already open")) from None
    try:
        SettingsWindow(path, tab=args.tab).run()
    finally:
        lock.release()
    return 0


def cmd_autostart(args: argparse.Namespace) -> int:
    from tray import autostart

    path = find_config(args.config)
    if args.switch != "off":
        load(path)  # a config that cannot run is not started at every login
    switch = {"on": autostart.enable, "off": autostart.disable, "status": autostart.status}
    print(autostart.describe(switch[args.switch](path)))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from tray.demo import build_demo

    if args.records < 1:
        raise ConfigError(_("--records must be 1 or more."))
    folder = Path(args.dir)
    config_path = build_demo(folder, args.records)
    config = load(config_path)
    print(_("Demo built in {folder}:").format(folder=folder.resolve()))
    print("  " + _("mother 'Holding' and daughters 'Noord' and 'Zuid' (SQLite), {n} customers, "
                   "suppliers and items each").format(n=args.records))
    print("  " + _("config: {path}").format(path=config_path))
    print()
    report = engine.sync(config.spec)
    print(output.run_summary(report, _labels(config)))
    command = sys.argv[0] if Path(sys.argv[0]).name == "stamsync" else "stamsync"
    config_arg = shlex.quote(str(config_path.resolve()))
    print()
    print(_("Next: change a record in {file} and run").format(
        file=(folder / "data" / "holding.db").resolve()))
    print(f"  {command} sync --dry-run --config {config_arg}")
    print(f"  {command} sync --config {config_arg}")
    print(f"  {command} history --config {config_arg}")
    print(f"  {command} show {report.run_id} --config {config_arg}")
    return report.exit_code


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "sync": cmd_sync, "check": cmd_check, "history": cmd_history, "show": cmd_show, "run": cmd_run,
    "undo": cmd_undo, "password": cmd_password, "tray": cmd_tray, "settings": cmd_settings,
    "autostart": cmd_autostart, "demo": cmd_demo,
}


def _progress_bar(enabled: bool) -> tuple[engine.runner.Progress | None, Callable[[], None]]:
    """A tqdm bar per entity on a terminal; nothing when output is piped."""
    if not enabled or not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def progress(label: str, done: int, total: int) -> None:
        bar = bars.get(label)
        if bar is None:
            bar = bars[label] = tqdm(total=total, desc=label, unit="rec", leave=False)
        bar.update(done - bar.n)

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return progress, close


if __name__ == "__main__":
    sys.exit(main())
