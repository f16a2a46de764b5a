"""`stamsync tray`: the icon next to the clock, its menu and tooltip, around the same
scheduling loop and engine worker as `stamsync run`.

Threads: pystray's loop runs in the main thread; the scheduling loop (`Service.run`) and a
small watcher that keeps the icon, tooltip and menu up to date run beside it; the engine
worker owns the syncs. Menu actions only ask the service: they never sync themselves.
pystray is imported here only when the tray starts, so `import tray.app` works without a
display.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import assets
import engine
from engine import StamsyncError
from engine.i18n import N_, _
from tray import autostart, desktop
from tray.instance import Stopper, instance_lock
from tray.logs import log_folder, start_logging
from tray.notify import Announcer, plyer_send, send
from tray.scheduler import TICK_SECONDS, Clock, Service
from tray.status import Last, Look, look
from tray.worker import Outcome, Worker

log = logging.getLogger("stamsync")

ICON_SIZE = 64
"""The size handed to pystray; the tray host scales it to its own."""
PAUSES = ((N_("For 30 minutes"), 30), (N_("For 2 hours"), 120), (N_("Until resumed"), None))


class TrayApp:
    """The tray for one config. `run()` blocks in the calling (main) thread until Quit."""

    def __init__(self, config_path: Path, clock: Clock | None = None) -> None:
        self.config_path = config_path
        self.worker = Worker()
        self.service = (Service(config_path, self.worker) if clock is None
                        else Service(config_path, self.worker, clock=clock))
        self.announcer = Announcer(lambda: self.service.config.notify,
                                   senders=(plyer_send, self._icon_notify))
        self.worker.on_start = lambda reason: self._poke.set()
        self.worker.on_done = self._done
        self.worker.on_idle = lambda: self._poke.set()
        self.last: Last | None = self._last_from_history()
        self.stop = Stopper(self._stop)
        self.autostart_on = self._autostart_status()
        self._poke = threading.Event()
        self._shown: Look | None = None
        self._icon: Any = None
        self._images = {state: assets.image(state, ICON_SIZE) for state in assets.STATES}

    # -- what the tray shows ---------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self.stop.asked

    def look(self) -> Look:
        service = self.service
        return look(now=service.clock(), name=self._name(), busy=self.worker.busy,
                    pause=service.pause, next_due=service.next_due(), last=self.last,
                    stopping=self.stopping)

    def menu(self) -> Any:
        """The pystray menu; texts, checks and enabled states are read when it is shown."""
        import pystray

        item, separator = pystray.MenuItem, pystray.Menu.SEPARATOR

        def running(menu_item: Any) -> bool:
            return not self.stopping

        pauses = [item(said(text), self._pause_action(minutes)) for text, minutes in PAUSES]
        return pystray.Menu(
            item(said(N_("Sync now")), self._sync_now, default=True,
                 enabled=lambda i: running(i) and not self.worker.busy),
            item(said(N_("Pause")), pystray.Menu(*pauses),
                 enabled=lambda i: running(i) and not self._paused()),
            item(said(N_("Resume")), self._resume,
                 enabled=lambda i: running(i) and self._paused()),
            separator,
            item(lambda i: self.look().last, None, enabled=False),
            item(lambda i: self.look().ahead, None, enabled=False),
            separator,
            item(said(N_("Settings...")), self._settings,
                 enabled=lambda i: desktop.dialog_available()),
            item(said(N_("History...")), self._history,
                 enabled=lambda i: desktop.dialog_available()),
            item(said(N_("Open log folder")), self._open_logs,
                 enabled=lambda i: desktop.folder_opener() is not None),
            item(said(N_("Start at login")), self._toggle_autostart,
                 checked=lambda i: self.autostart_on, enabled=sys.platform != "darwin"),
            separator,
            item(said(N_("Quit")), self._quit, enabled=running),
        )

    def refresh(self) -> None:
        """Show the current state: icon, tooltip and menu (only what changed)."""
        icon = self._icon
        if icon is None:
            return
        now, shown = self.look(), self._shown
        if shown is not None and shown == now:
            return
        if shown is None or shown.state != now.state:
            icon.icon = self._images[now.state]
        if shown is None or shown.tooltip != now.tooltip:
            icon.title = now.tooltip
            _gtk_tooltip(icon, now.tooltip)
        icon.update_menu()
        self._shown = now  # only once shown: a failed update is tried again

    # -- running ---------------------------------------------------------------------------

    def run(self, log_path: Path) -> None:
        """Shows the icon until Quit (pystray's backend chosen: `desktop.choose_backend`)."""
        import pystray

        self._icon = pystray.Icon("stamsync", self._images["idle"], "stamsync", self.menu())
        _on_signals(self.stop)
        self.service.log_start("tray", log_path)
        self._icon.run(setup=self._setup)
        log.info("stopped")

    def _stop(self) -> None:
        self.service.stop()
        self._poke.set()

    def _setup(self, icon: Any) -> None:
        icon.visible = True
        threading.Thread(target=self._serve, name="stamsync-schedule", daemon=True).start()
        threading.Thread(target=self._watch, name="stamsync-watch", daemon=True).start()
        self._poke.set()  # the last run from the history, at once

    def _serve(self) -> None:
        try:
            self.service.run()
        except Exception:
            log.exception("the scheduling loop stopped")
        finally:
            self._icon.stop()

    def _watch(self) -> None:
        while True:
            self._poke.wait(TICK_SECONDS)
            self._poke.clear()
            try:
                self.refresh()
            except Exception:  # the icon must outlive a failed update
                log.exception("updating the tray icon failed")

    # -- menu actions (pystray's thread) ---------------------------------------------------

    def _sync_now(self, icon: Any = None, item: Any = None) -> None:
        if self.stopping or self.worker.busy:  # a left click reaches here even then
            return
        self.service.sync_now()
        self._poke.set()

    def _pause_action(self, minutes: int | None) -> Any:
        def pause(icon: Any, item: Any) -> None:
            self.service.pause_for(minutes)
            self._poke.set()
        return pause

    def _resume(self, icon: Any, item: Any) -> None:
        self.service.resume()
        self._poke.set()

    def _settings(self, icon: Any, item: Any) -> None:
        self._guard(_("Settings..."), lambda: desktop.open_settings(self.config_path))

    def _history(self, icon: Any, item: Any) -> None:
        self._guard(_("History..."),
                    lambda: desktop.open_settings(self.config_path, tab="history"))

    def _open_logs(self, icon: Any, item: Any) -> None:
        self._guard(_("Open log folder"), lambda: desktop.open_folder(log_folder()))

    def _toggle_autostart(self, icon: Any, item: Any) -> None:
        def toggle() -> None:
            switch = autostart.disable if self.autostart_on else autostart.enable
            entry = switch(self.config_path)
            self.autostart_on = entry.on
            log.info("%s", autostart.describe(entry))
        self._guard(_("Start at login"), toggle)
        self._shown = None  # the check mark: rebuild the menu
        self._poke.set()

    def _quit(self, icon: Any, item: Any) -> None:
        self.stop("Quit")

    def _guard(self, what: str, action: Callable[[], None]) -> None:
        """A menu action (`what`: its text in the menu) that fails tells the user and leaves
        the tray running."""
        try:
            action()
        except Exception as error:
            log.exception("%s failed", what)
            text = str(error) if isinstance(error, StamsyncError) else _(
                "{error}. The log has the details (Open log folder: {folder})."
            ).format(error=error, folder=log_folder())
            send(_("stamsync: {action} failed").format(action=what.rstrip(".")), text,
                 (plyer_send, self._icon_notify))

    # -- the worker's callbacks (its thread) ------------------------------------------------

    def _done(self, outcome: Outcome) -> None:
        self.last = Last.of(outcome, self.service.clock())
        self._poke.set()
        self.announcer(outcome)

    def _icon_notify(self, title: str, text: str) -> bool:
        """The tray's own notification, when plyer could not show one."""
        if self._icon is None:
            return False
        try:
            self._icon.notify(text, title)
        except Exception as error:
            log.info("the tray's own notification was not shown either (%s)", error)
            return False
        return True

    # -- helpers ---------------------------------------------------------------------------

    def _paused(self) -> bool:
        pause = self.service.pause
        return pause is not None and pause.holds(self.service.clock())

    def _name(self) -> str:
        spec = self.service.config.spec
        daughters = ", ".join(d.name for d in spec.daughters if d.enabled)
        return f"{spec.mother.name} -> {daughters}"

    def _last_from_history(self) -> Last | None:
        try:
            runs = engine.history(self.service.config.spec, 10)
        except Exception as error:  # the tray starts whatever the state store says
            log.warning("the last run could not be read from the history: %s", error)
            return None
        done = next((r for r in runs if not r.dry_run and r.status != "running"), None)
        return None if done is None else Last.from_history(done)

    def _autostart_status(self) -> bool:
        try:
            return autostart.status(self.config_path).on
        except StamsyncError as error:
            log.warning("%s", error)
            return False


def said(text: str) -> Callable[[Any], str]:
    """A menu text read in the language of the moment (a changed `[interface] language`
    shows at the next look at the menu)."""
    return lambda menu_item: _(text)


def _gtk_tooltip(icon: Any, text: str) -> None:
    """pystray's gtk backend sets only the icon's title, which no tray shows as a tooltip:
    set the tooltip as well, in GTK's own thread."""
    status_icon = getattr(icon, "_status_icon", None)
    if status_icon is None:
        return
    from gi.repository import GLib

    GLib.idle_add(lambda: status_icon.set_tooltip_text(text) and False)


def _on_signals(stop: Stopper) -> None:
    """SIGTERM (a logout on Linux, a service manager) and Ctrl-C stop the tray as Quit does.
    With pystray's GLib backends (gtk, appindicator) GLib's main loop must deliver them, and
    only once it runs: pystray gives SIGINT back to the default first, which would kill a
    running sync. Called in the main thread."""
    signals = (signal.SIGTERM, signal.SIGINT)
    if os.environ.get("PYSTRAY_BACKEND") in ("gtk", "appindicator"):
        from gi.repository import GLib

        def handler(signum: int) -> bool:
            stop(f"signal {signum}")
            return True  # keep the handler: asked again, it stops at once

        def install() -> bool:
            for signum in signals:
                GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, handler, signum)
            return False
        GLib.idle_add(install)
    else:
        for signum in signals:
            signal.signal(signum, lambda signum, frame: stop(f"signal {signum}"))


def run(config_path: Path) -> int:
    """`stamsync tray` for this config, in a desktop session: holds the config's instance
    lock until Quit."""
    desktop.choose_backend()
    lock = instance_lock(config_path)
    try:
        path = start_logging(config_path, to_stderr=sys.stderr is not None and sys.stderr.isatty())
        TrayApp(config_path).run(path)
        return 0
    finally:
        lock.release()

