"""Bank files are stored before anything else happens to them; the same bytes twice are stored once.

On SQLite and PostgreSQL (the ``store`` fixture): the table of migration 0008, storing, the read
result recorded, a file stored but never read listed as unread, the folder connector handing files
over and moving them to ``.done/`` only once they are stored, and the ``fakturarobot.banks`` kinds.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from alembic import command
from sqlalchemy import func, inspect, select

from connectors.bank_folder import BankFolder
from connectors.base import IntakeFailure
from robot.bank.source import BankSource, build_bank, import_from, resolve_bank, take_in
from robot.errors import ConfigError, ConnectorError, StoreError
from robot.store.bank import BankFiles
from robot.store.db import alembic_config
from robot.store.schema import BankFileRow
from tests.support.bankfiles import camt054, entry, pain002, payment, status, tx

if TYPE_CHECKING:
    from robot.store.repo import Store

NOTIFICATION = camt054("02", [entry("DBIT", "1250.00", [tx(end_to_end_id="E2E-1")])])
REJECTED = pain002("03", payments=[payment("PMT-1", None, [status("E2E-1", "RJCT", "AC04")])])


def _rows(store: Store) -> int:
    with store.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(BankFileRow)) or 0)


def test_the_same_bytes_twice_are_stored_once(store: Store) -> None:
    files = BankFiles(store.sessions)
    first = files.store("ntf.xml", NOTIFICATION)
    again = files.store("renamed.xml", NOTIFICATION)
    other = files.store("sts.xml", REJECTED)
    assert (first.new, again.new, other.new) == (True, False, True)
    assert again.id == first.id and again.filename == "ntf.xml"  # the first name and time are kept
    assert first.sha256 == hashlib.sha256(NOTIFICATION).hexdigest() and first.size == len(NOTIFICATION)
    assert first.first_seen_at.utcoffset() is not None
    assert files.content(first.id) == NOTIFICATION
    assert _rows(store) == 2
    assert files.by_sha256(first.sha256) == again


def test_take_in_stores_first_then_records_the_reading(store: Store) -> None:
    files = BankFiles(store.sessions)
    taken = take_in(files, "ntf.xml", NOTIFICATION)
    assert taken.new and taken.error is None and taken.bank_file is not None
    assert (
        taken.stored.message == "camt.054.001.02" and files.get(taken.stored.id).message == "camt.054.001.02"
    )
    again = take_in(files, "ntf-again.xml", NOTIFICATION)
    assert not again.new and again.stored.id == taken.stored.id
    assert again.bank_file is not None and again.bank_file.entries == taken.bank_file.entries
    assert _rows(store) == 1


def test_an_unreadable_file_is_kept_with_its_reason(store: Store) -> None:
    files = BankFiles(store.sessions)
    wrong = NOTIFICATION.replace(b"camt.054.001.02", b"camt.054.001.05")
    taken = take_in(files, "odd.xml", wrong)
    assert taken.bank_file is None and taken.error is not None
    stored = files.get(taken.stored.id)
    assert stored.message is None and stored.read_error is not None
    assert "odd.xml" in stored.read_error and "camt.054.001.05" in stored.read_error
    assert files.content(stored.id) == wrong  # nothing is lost


def test_a_file_stored_but_never_read_is_listed_as_unread(store: Store) -> None:
    files = BankFiles(store.sessions)
    stored = files.store("ntf.xml", NOTIFICATION)  # the process stopped here
    assert [f.id for f in files.unread()] == [stored.id]
    take_in(files, "ntf.xml", NOTIFICATION)
    assert files.unread() == []
    assert [f.filename for f in files.listed()] == ["ntf.xml"]


def test_record_read_takes_one_result_for_an_existing_file(store: Store) -> None:
    files = BankFiles(store.sessions)
    stored = files.store("ntf.xml", NOTIFICATION)
    with pytest.raises(ValueError):
        files.record_read(stored.id)
    with pytest.raises(ValueError):
        files.record_read(stored.id, message="camt.054.001.02", error="x")
    with pytest.raises(StoreError):
        files.record_read(stored.id + 99, message="camt.054.001.02")
    with pytest.raises(StoreError):
        files.get(stored.id + 99)


def test_migration_0008_goes_down_and_up_again(store: Store) -> None:
    def tables() -> set[str]:
        with store.engine.connect() as conn:
            return set(inspect(conn).get_table_names())

    def alembic(action: str, revision: str) -> None:
        cfg = alembic_config(store.engine.url.render_as_string(hide_password=False))
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            getattr(command, action)(cfg, revision)

    assert "bank_files" in tables()
    alembic("downgrade", "0007")
    assert "bank_files" not in tables() and "invoices" in tables()
    alembic("upgrade", "head")
    assert "bank_files" in tables()
    BankFiles(store.sessions).store("ntf.xml", NOTIFICATION)


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "bank"
    folder.mkdir()
    old = 1_700_000_000
    for name, content in {"a-ntf.xml": NOTIFICATION, "b-sts.XML": REJECTED, "readme.txt": b"x"}.items():
        (folder / name).write_bytes(content)
        os.utime(folder / name, (old, old))
    (folder / "c-partial.xml.part").write_bytes(b"<Doc")
    return folder


def test_the_folder_hands_over_xml_files_and_moves_them_once_stored(store: Store, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    bank = BankFolder(folder, settle_seconds=0)
    assert isinstance(bank, BankSource)
    files = BankFiles(store.sessions)
    taken = list(import_from(bank, files))
    assert [t.stored.filename for t in taken if not isinstance(t, IntakeFailure)] == [
        "a-ntf.xml",
        "b-sts.XML",
    ]
    assert sorted(p.name for p in (folder / ".done").iterdir()) == ["a-ntf.xml", "b-sts.XML"]
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["c-partial.xml.part", "readme.txt"]
    assert _rows(store) == 2
    (folder / "again.xml").write_bytes(NOTIFICATION)  # the bank sends the same file once more
    (again,) = import_from(bank, files)
    assert not isinstance(again, IntakeFailure) and not again.new
    assert _rows(store) == 2


def test_a_file_is_not_moved_when_storing_fails(tmp_path: Path) -> None:
    folder = _folder(tmp_path)

    class Broken(BankFiles):
        def store(self, filename: str, content: bytes) -> object:  # type: ignore[override]
            raise StoreError("database is down")

    with pytest.raises(StoreError):
        list(import_from(BankFolder(folder, settle_seconds=0), Broken(None)))  # type: ignore[arg-type]
    assert (folder / "a-ntf.xml").exists() and not (folder / ".done" / "a-ntf.xml").exists()


def test_the_folder_refuses_a_file_over_the_limit_and_symlinks(tmp_path: Path) -> None:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "big.xml").write_bytes(b"<D>" + b" " * 200 + b"</D>")
    (folder / "link.xml").symlink_to(folder / "big.xml")
    os.utime(folder / "big.xml", (1_700_000_000, 1_700_000_000))
    items = list(BankFolder(folder, settle_seconds=0, max_bytes=100).fetch())
    assert all(isinstance(i, IntakeFailure) for i in items)
    reasons = {i.source_ref: i.reason for i in items if isinstance(i, IntakeFailure)}
    assert "symbolic link" in reasons["link.xml"]
    assert "limit" in reasons["big.xml"] and "left in the bank folder" in reasons["big.xml"]
    assert (folder / "big.xml").exists()


def test_the_folder_probe_and_a_missing_folder(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    assert "2 bank files" in BankFolder(folder).probe()
    with pytest.raises(ConnectorError, match="does not exist"):
        list(BankFolder(tmp_path / "nowhere").fetch())


def test_the_bank_kinds_come_from_the_entry_point_group(tmp_path: Path) -> None:
    assert resolve_bank("folder") is BankFolder
    built = build_bank("folder", {"folder": "bank", "settle_seconds": 0}, tmp_path)
    assert isinstance(built, BankFolder) and built.folder == tmp_path / "bank"
    with pytest.raises(ConfigError, match="unknown bank kind 'sftp'; allowed: folder"):
        resolve_bank("sftp")
    with pytest.raises(Exception, match="inbox"):
        build_bank("folder", {"folder": "bank", "inbox": "x"}, tmp_path)  # unknown keys refused


def test_the_same_bytes_stored_at_once_by_several_workers_are_one_row(store: Store) -> None:
    """Concurrent stores of one file race on the unique sha256; the losers look again and find it."""
    from concurrent.futures import ThreadPoolExecutor

    files = BankFiles(store.sessions)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: files.store(f"w{i}.xml", REJECTED), range(8)))
    assert len({r.id for r in results}) == 1
    assert sum(r.new for r in results) == 1
    assert _rows(store) == 1
