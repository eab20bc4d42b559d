"""Atomic writes: the target is either the old file or the complete new one."""

import pytest

from scratchdl.atomic import write_atomic, write_json_atomic


def test_failed_write_leaves_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "a.json"
    write_json_atomic(target, {"x": 1})

    def broken(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomic(target, broken)
    assert target.read_text() == '{\n  "x": 1\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
