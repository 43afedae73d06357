"""The disk cache of OCR text (robot.pdftext.text_cache): a hit, a miss, a corrupt entry, its bound.

Most tests use the cache alone (no OCR). Those marked by ``_ocr_tools`` ask poppler and Tesseract
for their versions (the key) but replace the recognition itself, except the one that reads the
sample scan in the reader child: that OCR runs for real, once, and the child's cache is looked at.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from robot.model import Invoice
from robot.pdftext import ocr
from robot.pdftext.ocr import OcrLimits, ocr_text
from robot.pdftext.printed import read_printed
from robot.pdftext.template_cache import CACHE_ENV
from robot.pdftext.text_cache import MAX_ENTRY_BYTES, TextCache
from robot.pdftext.textlayer import pdf_text
from tests.conftest import SAMPLES
from tests.support.pdftools import require_pdftotext, require_tesseract

SCAN = SAMPLES / "inbox" / "0063-pdf-scanned.pdf"
READING = {"reading": "ocr", "tools": {"tesseract": "tesseract 5.3.0"}, "limits": {"dpi": 300}}


@pytest.fixture
def cache(tmp_path: Path) -> TextCache:
    return TextCache(tmp_path / "pdf-text")


@pytest.fixture
def _ocr_tools() -> None:
    require_pdftotext()
    require_tesseract(("dan", "deu", "eng"))


def _files(cache: TextCache) -> list[Path]:
    return sorted(cache.folder.glob("*.json"))


def test_a_text_kept_is_found_again(cache: TextCache) -> None:
    key = cache.key(b"%PDF-1.4 one", READING)
    assert cache.get(key) is None
    cache.put(key, "Faktura 1001\fside 2 æøå")
    assert cache.get(key) == "Faktura 1001\fside 2 æøå"
    (entry,) = _files(cache)
    assert entry.name == f"{key}.json" and len(key) == 64  # named by the key, nothing of the document
    assert cache.folder.stat().st_mode & 0o777 == 0o700 and entry.stat().st_mode & 0o777 == 0o600


def test_other_bytes_another_tool_or_other_options_are_another_key(cache: TextCache) -> None:
    key = cache.key(b"%PDF-1.4 one", READING)
    cache.put(key, "the text of one")
    assert cache.get(cache.key(b"%PDF-1.4 two", READING)) is None
    newer = {**READING, "tools": {"tesseract": "tesseract 5.4.0"}}
    coarser = {**READING, "limits": {"dpi": 150}}
    others = {cache.key(b"%PDF-1.4 one", r) for r in (newer, coarser, {**READING, "reading": "pdftotext"})}
    assert key not in others and len(others) == 3
    assert all(cache.get(other) is None for other in others)


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],  # cut short
        lambda raw: raw.replace(b"the text of one", b"the text of two"),  # edited: checksum fails
        lambda raw: b"\x00\xff not json",
        lambda raw: b'{"format": 1}',
    ],
    ids=["cut-short", "edited", "garbage", "fields-missing"],
)
def test_a_corrupt_entry_is_ignored_and_removed(cache: TextCache, damage: object) -> None:
    key = cache.key(b"%PDF-1.4 one", READING)
    cache.put(key, "the text of one")
    (entry,) = _files(cache)
    assert callable(damage)
    entry.write_bytes(damage(entry.read_bytes()))
    assert cache.get(key) is None
    assert not entry.exists()
    cache.put(key, "the text of one")  # read again, kept again
    assert cache.get(key) == "the text of one"


def test_an_entry_copied_over_another_key_is_not_its_text(cache: TextCache) -> None:
    one, two = cache.key(b"%PDF-1.4 one", READING), cache.key(b"%PDF-1.4 two", READING)
    cache.put(one, "the text of one")
    (cache.folder / f"{one}.json").rename(cache.folder / f"{two}.json")
    assert (
        cache.get(two) is None
    )  # the entry names its own key: one document's text never answers for another


def test_a_key_that_is_not_a_digest_is_never_a_path(cache: TextCache) -> None:
    cache.put("../../escape", "x")
    assert cache.get("../../escape") is None
    assert not cache.folder.exists() or not list(cache.folder.iterdir())


def test_the_folder_is_bounded_least_recently_used_first(tmp_path: Path) -> None:
    cache = TextCache(tmp_path / "pdf-text", max_bytes=10_000)
    keys = [cache.key(f"%PDF-1.4 {n}".encode(), READING) for n in range(6)]
    for n, key in enumerate(keys):
        cache.put(key, "x" * 2_500)
        os.utime(cache.folder / f"{key}.json", (1_000_000 + n, 1_000_000 + n))  # put in this order
        if n == 1:
            assert cache.get(keys[0]) is not None  # used again: now the most recent
            os.utime(cache.folder / f"{keys[0]}.json", (1_000_000 + 1.5, 1_000_000 + 1.5))
    assert sum(f.stat().st_size for f in _files(cache)) <= 10_000
    kept = {key for key in keys if cache.get(key) is not None}
    assert keys[-1] in kept and keys[1] not in kept and len(kept) == 3


def test_an_entry_larger_than_the_bound_is_not_kept(cache: TextCache) -> None:
    key = cache.key(b"%PDF-1.4 huge", READING)
    cache.put(key, "x" * (MAX_ENTRY_BYTES + 1))
    assert cache.get(key) is None and not _files(cache)


def test_a_folder_others_may_write_to_is_not_used(cache: TextCache) -> None:
    key = cache.key(b"%PDF-1.4 one", READING)
    cache.put(key, "the text of one")
    cache.folder.chmod(0o777)
    try:
        assert cache.get(key) is None  # someone else could have planted it
        cache.put(cache.key(b"%PDF-1.4 two", READING), "two")
        assert len(_files(cache)) == 1
    finally:
        cache.folder.chmod(0o700)


def test_a_stripped_environment_has_no_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (CACHE_ENV, "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)
    assert TextCache.configured() is None
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    configured = TextCache.configured()
    assert configured is not None and configured.folder == tmp_path / "pdf-text"


@pytest.mark.usefixtures("_ocr_tools")
def test_ocr_reads_a_scan_once_then_from_the_cache(monkeypatch: pytest.MonkeyPatch, cache: TextCache) -> None:
    calls: list[OcrLimits] = []

    def recognise(content: bytes, filename: str, lim: OcrLimits) -> str:
        calls.append(lim)
        return f"Fakturanr.: {len(calls)}"

    monkeypatch.setattr(ocr, "_recognise", recognise)
    scan = SCAN.read_bytes()
    assert ocr_text(scan, "scan.pdf", cache=cache) == "Fakturanr.: 1"
    assert ocr_text(scan, "again.pdf", cache=cache) == "Fakturanr.: 1"  # a hit: not read again
    assert ocr_text(scan + b"\n", "other.pdf", cache=cache) == "Fakturanr.: 2"  # other bytes: a miss
    assert ocr_text(scan, "coarse.pdf", cache=cache, limits=OcrLimits(dpi=150)) == "Fakturanr.: 3"
    assert ocr_text(scan, "uncached.pdf", cache=False) == "Fakturanr.: 4"
    assert len(_files(cache)) == 3


@pytest.mark.usefixtures("_ocr_tools")
def test_a_failed_reading_is_not_kept(monkeypatch: pytest.MonkeyPatch, cache: TextCache) -> None:
    from robot.errors import ReadError

    def recognise(content: bytes, filename: str, lim: OcrLimits) -> str:
        raise ReadError("OCR found no text", file=filename)

    monkeypatch.setattr(ocr, "_recognise", recognise)
    with pytest.raises(ReadError):
        ocr_text(SCAN.read_bytes(), "scan.pdf", cache=cache)
    assert not _files(cache)


@pytest.mark.usefixtures("_ocr_tools")
def test_the_key_names_the_tools_their_trained_data_and_the_limits() -> None:
    reading = ocr._reading(OcrLimits())
    assert reading is not None
    tools = reading["tools"]
    assert isinstance(tools, dict) and set(tools) == {"pdfinfo", "pdftoppm", "tesseract"}
    assert "tesseract" in tools["tesseract"] and "pdftoppm version" in tools["pdftoppm"]
    assert set(reading["tessdata"][1]) == {"dan", "deu", "eng"}  # type: ignore[index]
    assert reading["limits"] == {**reading["limits"], "dpi": 300, "languages": "dan+deu+eng"}  # type: ignore[dict-item]


@pytest.mark.usefixtures("_ocr_tools")
def test_the_reader_child_reads_and_writes_the_cache(tmp_path: Path) -> None:
    """In the sandbox child (its memory and CPU limits, its stripped environment plus the cache
    folder), a scan is read by OCR once and kept; a fresh child then answers from the cache."""
    from robot.readers.sandbox.protocol import frame, load_answer, read_frame
    from robot.readers.sandbox.supervisor import _CHILD_ENV

    env = {k: v for k, v in os.environ.items() if k in _CHILD_ENV or k.startswith("LC_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    env[CACHE_ENV] = str(tmp_path)
    scan = SCAN.read_bytes()

    def read_in_a_child() -> Invoice:
        child = subprocess.Popen(
            [sys.executable, "-m", "robot.readers.sandbox.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        try:
            answer, _ = child.communicate(frame(("scan.pdf", scan, True, None, 30)), timeout=120)
        finally:
            if child.poll() is None:
                child.kill()
        frame_read = read_frame(io.BytesIO(answer))
        assert frame_read is not None
        kind, payload, _ = load_answer(frame_read, "scan.pdf")
        assert kind == "ok", payload
        assert isinstance(payload, Invoice)
        return payload

    first = read_in_a_child()
    cache = TextCache(tmp_path / "pdf-text")
    (entry,) = _files(cache)
    kept = cache.get(entry.stem)
    assert kept is not None and "Fakturanr" in kept
    # the next child reads what the cache holds for these bytes: another invoice's text shows it
    printed = (SAMPLES / "inbox" / "0059-pdf-no-template.pdf").read_bytes()
    cache.put(entry.stem, pdf_text(printed, "0059.pdf"))
    second = read_in_a_child()
    assert first.ocr and second.ocr
    assert second.number == read_printed(printed, "0059.pdf").number != first.number
