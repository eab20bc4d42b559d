"""Dataset checks, the registry, digits, and mnist / fashion-mnist from IDX files written here."""

import numpy as np
import pytest
from data_helpers import fake_mnist

from scratchdl.data import DATASETS, Dataset, dataset_info, load, load_splits
from scratchdl.errors import ConfigError, DataError

# ---------------------------------------------------------------- Dataset


def test_dataset_basics():
    x = np.arange(24, dtype=np.float64).reshape(6, 1, 2, 2)
    ds = Dataset(x, [0, 1, 2, 0, 1, 2], name="toy", classes=["a", "b", "c"])
    assert len(ds) == 6 and ds.input_shape == (1, 2, 2) and ds.num_classes == 3
    assert ds.x.dtype == np.float64 and ds.t.dtype == np.int64
    xi, ti = ds[4]
    assert xi.shape == (1, 2, 2) and ti == 1
    xs, ts = ds[np.array([5, 0])]
    np.testing.assert_array_equal(ts, [2, 0])
    np.testing.assert_array_equal(xs, x[[5, 0]])
    assert ds[1:3][0].shape == (2, 1, 2, 2)
    sub = ds.subset([1, 2])
    assert len(sub) == 2 and sub.classes == ["a", "b", "c"] and sub.name == "toy"
    assert "toy" in repr(ds) and "3 classes" in repr(ds)


def test_integer_inputs_become_the_default_dtype():
    ds = Dataset(np.ones((3, 2), dtype=np.uint8), np.zeros(3, dtype=np.uint8), num_classes=2)
    assert ds.x.dtype == np.float32 and ds.t.dtype == np.int64
    assert Dataset(np.ones((3, 2)), np.zeros(3, int), num_classes=2, dtype="float32").x.dtype == np.float32


@pytest.mark.parametrize(("value", "word"), [(np.nan, "NaN"), (np.inf, "Inf"), (-np.inf, "Inf")])
def test_nan_or_inf_in_x_names_dataset_and_first_index(value, word):
    x = np.zeros((10, 1, 3, 3), dtype=np.float32)
    x[7, 0, 1, 2] = value
    x[9, 0, 0, 0] = value
    with pytest.raises(DataError, match=rf"dataset 'toy': x\[7\] contains {word} \(2 of 10 samples"):
        Dataset(x, np.zeros(10, int), name="toy", num_classes=1)


def test_nan_in_regression_targets():
    t = np.zeros((4, 1))
    t[2] = np.nan
    with pytest.raises(DataError, match=r"t\[2\] contains NaN"):
        Dataset(np.zeros((4, 1)), t, name="reg")


@pytest.mark.parametrize(("labels", "bad"), [([0, 1, 3, 1], "t[2] = 3"), ([0, -1, 0, 5], "t[1] = -1")])
def test_labels_out_of_range(labels, bad):
    with pytest.raises(DataError, match="outside") as e:
        Dataset(np.zeros((4, 2)), labels, name="lbl", num_classes=3)
    assert bad in str(e.value) and "'lbl'" in str(e.value) and "[0, 3)" in str(e.value)


def test_other_dataset_errors():
    with pytest.raises(DataError, match="x has 3 samples but t has 2"):
        Dataset(np.zeros((3, 2)), [0, 1], num_classes=2)
    with pytest.raises(DataError, match="labels must be integers"):
        Dataset(np.zeros((3, 2)), [0.0, 1.0, 0.5], num_classes=2)
    with pytest.raises(DataError, match=r"shape \(N, features\)"):
        Dataset(np.zeros(3), [0, 1, 0], num_classes=2)
    with pytest.raises(ConfigError, match="num_classes=3 but 2 class names"):
        Dataset(np.zeros((3, 2)), [0, 1, 0], num_classes=3, classes=["a", "b"])
    with pytest.raises(ConfigError, match="dtype must be float32 or float64"):
        Dataset(np.zeros((3, 2)), [0, 1, 0], num_classes=2, dtype="int32")


# ---------------------------------------------------------------- registry


def test_registry_lists_every_dataset_with_its_facts():
    assert set(DATASETS) == {"digits", "mnist", "fashion-mnist", "spiral", "sine", "xor", "circles",
                             "gaussians"}
    for name, info in DATASETS.items():
        assert info.name == name and info.description and info.source
        assert set(info.sizes) == {"train", "test"}
        if info.classes is not None:
            assert len(info.classes) == info.num_classes
    assert DATASETS["mnist"].input_shape == (1, 28, 28)
    assert DATASETS["fashion-mnist"].classes[9] == "Ankle boot"
    assert DATASETS["sine"].num_classes is None
    line = str(DATASETS["digits"])
    assert "input 1x8x8, 10 classes, train 1,437 / test 360" in line and "\n" not in line
    assert "regression" in str(DATASETS["sine"])


@pytest.mark.parametrize("name", ["digits", "spiral", "sine", "xor", "circles", "gaussians"])
def test_registry_facts_match_loaded_data(name):
    info = DATASETS[name]
    train, test = load_splits(name)
    assert {"train": len(train), "test": len(test)} == info.sizes
    assert train.input_shape == info.input_shape and train.num_classes == info.num_classes
    assert (tuple(train.classes) if train.classes else None) == info.classes


def test_unknown_name_lists_valid_ones():
    valid = "circles, digits, fashion-mnist, gaussians, mnist"
    with pytest.raises(ConfigError, match=f"unknown dataset 'cifar'; valid: {valid}"):
        load("cifar")


def test_names_are_normalized():
    assert dataset_info("Fashion_MNIST").name == "fashion-mnist"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"split": "val"}, "expected one of train, test, got 'val'"),
    ({"dtype": "int64"}, "expected float32 or float64, got 'int64'"),
    ({"dtype": "nonsense"}, "expected float32 or float64"),
    ({"noise": 0.1}, "dataset 'digits': unknown option 'noise'; valid: none"),
])
def test_bad_load_arguments(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        load("digits", **kwargs)


# ---------------------------------------------------------------- digits


def test_digits_shapes_dtype_and_range():
    train, test = load_splits("digits")
    assert train.x.shape == (1437, 1, 8, 8) and test.x.shape == (360, 1, 8, 8)
    assert train.x.dtype == np.float32 and train.t.dtype == np.int64
    assert train.x.min() == 0.0 and train.x.max() == 1.0
    assert train.classes == [str(d) for d in range(10)]
    assert load("digits", dtype=np.float64).x.dtype == np.float64


def test_digits_split_is_fixed_stratified_and_a_partition():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    train, test = load_splits("digits")
    a, b = load_splits("digits", seed=123)
    np.testing.assert_array_equal(train.x, a.x)
    np.testing.assert_array_equal(test.t, b.t)
    # together the two splits are exactly the 1,797 images, each once, with their labels
    ours = np.concatenate([np.concatenate([train.x, test.x]).reshape(-1, 64) * 16,
                           np.concatenate([train.t, test.t])[:, None]], axis=1)
    ref = np.concatenate([bunch.data, bunch.target[:, None]], axis=1)
    np.testing.assert_array_equal(ours[np.lexsort(ours.T)], ref[np.lexsort(ref.T)])
    # stratified: each class has 20% of its images (rounded) in the test split
    per_class = np.bincount(bunch.target)
    assert np.all(np.abs(np.bincount(test.t, minlength=10) - 0.2 * per_class) <= 1)


# ---------------------------------------------------------------- mnist / fashion-mnist from files


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_idx_dataset_from_data_dir(tmp_path, clean_env, no_network, gz, name):
    arrays = fake_mnist(tmp_path / "files", gz=gz)
    train, test = load_splits(name, data_dir=tmp_path / "files")
    images, labels = arrays["train"]
    assert train.x.shape == (6, 1, 28, 28) and test.x.shape == (4, 1, 28, 28)
    assert train.x.dtype == np.float32 and train.t.dtype == np.int64
    np.testing.assert_array_equal(train.x[:, 0], images.astype(np.float32) / 255)
    np.testing.assert_array_equal(train.t, labels)
    np.testing.assert_array_equal(test.t, arrays["test"][1])
    assert train.x.min() == 0.0 and train.x.max() == 1.0
    assert train.name == name and train.num_classes == 10 and train.split == "train"
    assert load(name, data_dir=tmp_path / "files", dtype="float64").x.dtype == np.float64


def test_data_dir_subfolder_env_var_and_cache(tmp_path, clean_env, no_network, monkeypatch):
    fake_mnist(tmp_path / "root" / "mnist", seed=1)
    assert len(load("mnist", data_dir=tmp_path / "root")) == 6  # data_dir/<name>
    monkeypatch.setenv("SCRATCHDL_DATA_DIR", str(tmp_path / "root"))
    assert len(load("mnist", split="test")) == 4  # $SCRATCHDL_DATA_DIR/<name>
    monkeypatch.delenv("SCRATCHDL_DATA_DIR")
    fake_mnist(clean_env / "scratchdl" / "fashion-mnist", n_train=3, seed=2)
    assert len(load("fashion-mnist")) == 3  # $XDG_CACHE_HOME/scratchdl/<name>


def test_missing_files_message_names_folder_and_files(tmp_path, clean_env, no_network):
    folder = tmp_path / "empty"
    folder.mkdir()
    with pytest.raises(DataError) as e:
        load("mnist", data_dir=folder, download=False)
    message = str(e.value)
    assert f"in {folder} " in message and "downloading is turned off" in message
    for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        assert f"{stem}.gz" in message
    assert "\n" not in message


def test_only_the_missing_files_are_named(tmp_path, clean_env, no_network):
    fake_mnist(tmp_path / "d")
    (tmp_path / "d" / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="missing train-labels-idx1-ubyte.gz in") as e:
        load("mnist", data_dir=tmp_path / "d", download=False)
    assert "train-images" not in str(e.value)
    assert len(load("mnist", split="test", data_dir=tmp_path / "d")) == 4  # the test files are there


def test_data_dir_that_does_not_exist(tmp_path, clean_env, no_network):
    with pytest.raises(DataError, match="data folder .*nowhere does not exist"):
        load("mnist", data_dir=tmp_path / "nowhere")


def test_label_count_mismatch_names_both_files(tmp_path, clean_env, no_network):
    from data_helpers import write_idx

    fake_mnist(tmp_path / "d")
    write_idx(tmp_path / "d" / "train-labels-idx1-ubyte.gz", np.zeros(5, dtype=np.uint8))
    with pytest.raises(DataError, match="holds 6 images but .*train-labels-idx1-ubyte.gz holds 5 labels"):
        load("mnist", data_dir=tmp_path / "d")


def test_wrong_image_dims_and_bad_labels(tmp_path, clean_env, no_network):
    from data_helpers import write_idx

    fake_mnist(tmp_path / "d")
    write_idx(tmp_path / "d" / "t10k-images-idx3-ubyte.gz", np.zeros((4, 27, 28), dtype=np.uint8))
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte.gz: expected uint8 images of shape "
                                        r"\(N, 28, 28\)"):
        load("mnist", split="test", data_dir=tmp_path / "d")
    write_idx(tmp_path / "d" / "train-labels-idx1-ubyte.gz", np.array([0, 1, 2, 10, 4, 5], dtype=np.uint8))
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.gz: label 10 at index 3 is not a class"):
        load("mnist", data_dir=tmp_path / "d")


def test_truncated_idx_file_in_data_dir(tmp_path, clean_env, no_network):
    fake_mnist(tmp_path / "d", gz=False)
    path = tmp_path / "d" / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DataError, match="train-images-idx3-ubyte: IDX data truncated"):
        load("mnist", data_dir=tmp_path / "d")


def test_nan_from_npz_file_names_first_sample(tmp_path):
    x = np.zeros((5, 3))
    x[3, 1] = np.nan
    path = tmp_path / "mine.npz"
    np.savez(path, x_train=x, t_train=np.arange(5) % 2, x_test=np.zeros((2, 3)), t_test=[0, 1])
    with pytest.raises(DataError, match=r"x\[3\] contains NaN"):
        load(str(path))
    test = load(path, split="test")
    assert test.num_classes == 2 and test.x.dtype == np.float32 and test.name == str(path)


def test_npz_regression_classes_and_refusals(tmp_path):
    path = tmp_path / "reg.npz"
    np.savez(path, x_train=np.ones((4, 2)), t_train=np.ones((4, 1)), x_test=np.ones((1, 2)),
             t_test=np.ones((1, 1)))
    assert load(path).num_classes is None
    named = tmp_path / "named.npz"
    np.savez(named, x_train=np.ones((2, 2)), t_train=[0, 0], x_test=np.ones((1, 2)), t_test=[0],
             classes=np.array(["cat", "dog", "eel"]))
    assert load(named).classes == ["cat", "dog", "eel"] and load(named).num_classes == 3
    partial = tmp_path / "partial.npz"
    np.savez(partial, x_train=np.ones((2, 2)), t_train=[0, 1])
    with pytest.raises(DataError, match="missing arrays x_test, t_test"):
        load(partial)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, x_train=np.array([{"a": 1}], dtype=object), t_train=[0], x_test=np.ones((1, 1)),
             t_test=[0])
    with pytest.raises(DataError, match="not a readable .npz file"):
        load(pickled)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="junk.npz"):
        load(tmp_path / "junk.npz")
    with pytest.raises(DataError, match="no such file"):
        load(tmp_path / "absent.npz")
    with pytest.raises(ConfigError, match="takes no options"):
        load(path, noise=1)
