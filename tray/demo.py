"""`stamsync demo`: a mother and two daughters in SQLite with realistic Dutch master data,
a config for them, ready to sync.

Customers carry a sync flag VVSYNC ('J'/'N', as Multivers spells yes and no) that selects
which take part; daughter Noord owns its customers' credit limit (a protected field);
daughter Zuid already holds a few of the mother's customers, one with a local edit, so the
first sync shows an adopted conflict.
"""

from __future__ import annotations

import random
import sqlite3
from decimal import Decimal
from pathlib import Path

from faker import Faker

from engine import (
    Administration,
    ConfigError,
    Entity,
    MarkRemoved,
    Policy,
    SelectAll,
    SelectWhere,
    SyncSpec,
    locked,
)
from engine.i18n import _
from settings import Config, save, state_path_for

SCHEMA = """
CREATE TABLE customers (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, street TEXT, postcode TEXT, city TEXT,
    country TEXT, vat_number TEXT, iban TEXT, email TEXT, phone TEXT,
    credit_limit NUMERIC, payment_days INTEGER, vvsync TEXT NOT NULL DEFAULT 'J',
    blocked TEXT NOT NULL DEFAULT 'N');
CREATE TABLE suppliers (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, street TEXT, postcode TEXT, city TEXT,
    country TEXT, vat_number TEXT, iban TEXT, email TEXT, payment_days INTEGER);
CREATE TABLE items (
    code TEXT PRIMARY KEY, description TEXT NOT NULL, ean TEXT, unit TEXT,
    price NUMERIC, cost_price NUMERIC, vat_code TEXT, item_group TEXT, weight_kg REAL,
    stock_item TEXT, created DATE);
"""

UNITS = ("st", "doos", "kg", "m", "l", "pak")
GROUPS = ("KANTOOR", "HORECA", "BOUW", "ICT", "SCHOON", "VERPAK")


MARKER = ".stamsync-demo"
"""A file the demo leaves in its folder: only such a folder is ever rebuilt."""


def build_demo(folder: Path, records: int = 200, seed: int = 2026) -> Path:
    """Create (or recreate) the demo in `folder`; return the config file's path. A folder
    that holds anything the demo did not make is refused, never overwritten."""
    data = folder / "data"
    paths = {name: data / f"{name}.db" for name in ("holding", "noord", "zuid")}
    config_path = folder / "stamsync.toml"
    state = state_path_for(config_path.resolve())
    if folder.exists() and any(folder.iterdir()) and not (folder / MARKER).exists():
        raise ConfigError(_(
            "'{folder}' is not empty and was not made by `stamsync demo`; the demo will not "
            "overwrite it. Choose another folder with --dir.").format(folder=folder.resolve()))
    data.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).touch()
    with locked(state):  # never pull the files from under a running sync
        for path in [*paths.values(), state]:
            for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
                part.unlink(missing_ok=True)
        _fill(paths, records, seed)
    _write_config(config_path, paths, state)
    return config_path


def _fill(paths: dict[str, Path], records: int, seed: int) -> None:
    for path in paths.values():
        with sqlite3.connect(path) as conn:
            conn.executescript(SCHEMA)
        conn.close()
    fake = Faker("nl_NL")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    customers = [_customer(fake, rng, i) for i in range(1, records + 1)]
    suppliers = [_supplier(fake, rng, i) for i in range(1, records + 1)]
    items = [_item(fake, rng, i) for i in range(1, records + 1)]
    with sqlite3.connect(paths["holding"]) as conn:
        conn.executemany(f"INSERT INTO customers VALUES ({_marks(14)})", customers)
        conn.executemany(f"INSERT INTO suppliers VALUES ({_marks(10)})", suppliers)
        conn.executemany(f"INSERT INTO items VALUES ({_marks(11)})", items)
    conn.close()
    with sqlite3.connect(paths["zuid"]) as conn:
        existing = [list(c) for c in customers[:5]]
        existing[0][4] = str(existing[0][4]).upper()  # a local edit of the city: a conflict
        conn.executemany(f"INSERT INTO customers VALUES ({_marks(14)})", existing)
    conn.close()


def _write_config(config_path: Path, paths: dict[str, Path], state: Path) -> None:
    fields = ("name", "street", "postcode", "city", "country", "vat_number", "iban", "email",
              "phone", "credit_limit", "payment_days", "blocked")
    spec = SyncSpec(
        mother=Administration("Holding", f"sqlite:{paths['holding'].resolve()}"),
        daughters=(
            Administration("Noord", f"sqlite:{paths['noord'].resolve()}",
                           protect={"customers": ("credit_limit",)}),
            Administration("Zuid", f"sqlite:{paths['zuid'].resolve()}"),
        ),
        entities=(
            Entity("customers", "customers", ("code",), fields, "Debiteuren",
                   SelectWhere("vvsync", "J"), on_remove=MarkRemoved("blocked", "J")),
            Entity("suppliers", "suppliers", ("code",), None, "Crediteuren", SelectAll()),
            Entity("items", "items", ("code",), None, "Artikelen", SelectAll()),
        ),
        state_path=state,
        policy=Policy.MOTHER_WINS,
    )
    save(Config(config_path, spec))


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def _customer(fake: Faker, rng: random.Random, i: int) -> tuple[object, ...]:
    return (f"D{10000 + i}", fake.company(), fake.street_address(), fake.postcode(),
            fake.city(), "NL", fake.vat_id(), fake.iban(), fake.company_email(),
            fake.phone_number(), str(Decimal(rng.choice((1000, 2500, 5000, 10000, 25000)))),
            rng.choice((14, 30, 30, 60)), "J" if rng.random() < 0.9 else "N", "N")


def _supplier(fake: Faker, rng: random.Random, i: int) -> tuple[object, ...]:
    return (f"C{20000 + i}", fake.company(), fake.street_address(), fake.postcode(),
            fake.city(), rng.choice(("NL", "NL", "NL", "BE", "DE")), fake.vat_id(), fake.iban(),
            fake.company_email(), rng.choice((14, 30, 60)))


def _item(fake: Faker, rng: random.Random, i: int) -> tuple[object, ...]:
    price = Decimal(rng.randint(50, 250000)) / 100
    return (f"A{30000 + i}", f"{fake.word().capitalize()} {fake.word()}", fake.ean13(),
            rng.choice(UNITS), str(price), str((price * Decimal("0.6")).quantize(Decimal("0.01"))),
            rng.choice(("H", "H", "L", "V")), rng.choice(GROUPS), round(rng.uniform(0.1, 25), 3),
            "J" if rng.random() < 0.8 else "N",
            fake.date_between(start_date="-5y", end_date="today").isoformat())
