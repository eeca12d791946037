from __future__ import annotations

from pathlib import Path

import pytest

from stockade.watch.analyzers import LABELS
from stockade.watch.dataset import DatasetError, Example, read, write

HEADER = "id,text," + ",".join(LABELS)


def test_round_trip(tmp_path: Path) -> None:
    labels = dict.fromkeys(LABELS, 0) | {"threat": 1}
    example = Example("a", 'I\'ll "hurt", you', labels, "en", "direct_threat", "t1", "test")
    path = tmp_path / "x.csv"
    write(path, [example])
    assert read(path) == [example]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,text\n1,hi\n", "has no column threat, target"),
        (HEADER + "\n1,hi,1,0,0,0,0,2\n", "line 2: targeted_threat is '2'"),
        (HEADER + "\n1,hi,1,0,0,0,0\n", "line 2: targeted_threat is ''"),
        (HEADER + "\n1, ,1,0,0,0,0,1\n", "line 2: the text is empty"),
    ],
)
def test_bad_files_say_where_and_why(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DatasetError, match=message):
        read(path)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="Cannot read"):
        read(tmp_path / "missing.csv")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(DatasetError, match="not a UTF-8 CSV"):
        read(binary)
