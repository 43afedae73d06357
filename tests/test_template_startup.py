"""A template read back from the cache is the template read from its file, and it is plain data:
``parse`` of one PDF loads templates from a warm cache and hands them to the reader child without
YAML or pydantic in either process (issue 15: start-up with 200 templates)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from robot.pdftext import TemplateSet, loading
from tests.conftest import corpora_path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_TEMPLATES = ROOT / "samples" / "pdf-templates"
HEAD = "issuer: Leverandør A/S\nkeywords: ['CVR 12345674']\nfields:\n  amount: I alt (\\S+)\n"


def _twice(folders: list[Path]) -> tuple[TemplateSet, TemplateSet]:
    """The folders read from their files into a new cache, then read back from that cache alone."""
    first = TemplateSet.load(folders)
    loading._cache.clear()  # as a new process: only the cache on disk
    return first, TemplateSet.load(folders)


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(loading.CACHE_ENV, str(folder))
    loading._cache.clear()
    return folder


def test_every_public_template_reads_back_from_the_cache_as_it_was_read_from_its_file(
    own_cache: Path,
) -> None:
    folders = [corpora_path("invoice2data-templates"), SAMPLE_TEMPLATES]
    first, second = _twice(folders)
    assert len(first) > 200
    assert [(t.name, t.spec, [str(w) for w in t.warnings]) for t in second.templates] == [
        (t.name, t.spec, [str(w) for w in t.warnings]) for t in first.templates
    ]
    assert [str(p) for p in second.problems] == [str(p) for p in first.problems]


def test_static_dates_and_times_are_kept_by_the_cache(own_cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "dated.yml").write_text(
        HEAD + "  static_date_start: 2023-03-01\n  static_stamp: 2023-03-01 10:20:30\n"
        "  look_alike: {parser: static, value: {$date: 'not a date'}}\n",
        encoding="utf-8",
    )
    _, second = _twice([folder])
    fields = second.templates[0].spec.fields
    assert fields["static_date_start"].value == date(2023, 3, 1)  # type: ignore[union-attr]
    assert fields["static_stamp"].value == datetime(2023, 3, 1, 10, 20, 30)  # type: ignore[union-attr]
    assert fields["look_alike"].value == {"$date": "not a date"}  # type: ignore[union-attr]


PROBE = """
import pickle, sys
from pathlib import Path
from robot.pdftext import TemplateSet
templates = TemplateSet.load([Path(p) for p in sys.argv[2:]])
Path(sys.argv[1]).write_bytes(pickle.dumps(templates))  # what the reader child is sent
print(len(templates), "pydantic" in sys.modules, "yaml" in sys.modules)
"""
CHILD = """
import pickle, sys
from pathlib import Path
from robot.readers.sandbox import child
child.main  # what the child imports before it reads (its main() imports the readers)
import robot.pdftext, robot.readers.cii, robot.readers.oioubl2, robot.readers.pdf, robot.readers.ubl
templates = pickle.loads(Path(sys.argv[1]).read_bytes())
print(len(templates), "pydantic" in sys.modules, "yaml" in sys.modules)
"""


def _python(code: str, *args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_warm_cache_loads_and_sends_templates_without_yaml_or_pydantic(
    own_cache: Path, tmp_path: Path
) -> None:
    folders = [str(corpora_path("invoice2data-templates")), str(SAMPLE_TEMPLATES)]
    sent = str(tmp_path / "sent.pickle")
    count, *cold = _python(PROBE, sent, *folders)
    assert int(count) > 200 and cold == ["True", "True"]  # read from the files: YAML and validation
    assert _python(PROBE, sent, *folders) == [count, "False", "False"]  # from the cache: plain data
    assert _python(CHILD, sent) == [count, "False", "False"]  # the reader child: neither
