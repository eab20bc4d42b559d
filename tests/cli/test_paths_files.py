"""``paths.output_file``: a file a command will write (export's .onnx, graph's picture), checked
before any work: the folder it goes in, made or not yet made, and a file standing in the way."""

from __future__ import annotations

import pytest

from scratchdl.cli.paths import PathError, output_file


def test_a_file_in_a_folder_not_made_yet_is_fine_and_nothing_is_left_behind(tmp_path):
    target = tmp_path / "new" / "deeper" / "model.onnx"
    assert output_file(target, "--out") == target
    assert list(tmp_path.iterdir()) == []  # no probe file left, no folder made


def test_a_file_standing_where_a_folder_should_be_is_named(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(PathError) as caught:
        output_file(tmp_path / "afile" / "sub" / "g.svg", "--out")
    target, afile = tmp_path / "afile" / "sub" / "g.svg", tmp_path / "afile"
    assert str(caught.value) == f"--out {target}: cannot create it, {afile} is a file"


def test_a_folder_given_as_the_file_suggests_a_name(tmp_path):
    with pytest.raises(PathError) as caught:
        output_file(tmp_path, "--out", example="graph.svg")
    assert str(caught.value) == (f"--out {tmp_path}: is a folder; give a file name such as "
                                 f"{tmp_path / 'graph.svg'}")


def test_the_probe_is_made_in_the_nearest_existing_folder(tmp_path, monkeypatch):
    import tempfile

    made = []
    real = tempfile.mkstemp

    def mkstemp(prefix=None, dir=None):
        made.append((prefix, dir))
        return real(prefix=prefix, dir=dir)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    output_file(tmp_path / "a" / "b.onnx", "--out")
    assert made == [(".scratchdl-probe.", tmp_path)]


def test_a_folder_that_refuses_files_is_one_line(tmp_path, monkeypatch):
    import tempfile

    def refuse(prefix=None, dir=None):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PathError) as caught:
        output_file(tmp_path / "m.onnx", "--out")
    assert str(caught.value) == (f"--out {tmp_path / 'm.onnx'}: cannot write it: Permission denied "
                                 f"in {tmp_path}")
