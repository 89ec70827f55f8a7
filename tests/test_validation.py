"""The shared argument checks behave the same for every function that uses them."""

import numpy as np
import pytest

import resample_jax as rj
from resample_jax._src import validation


def test_check_rank_accepts_numpy_ints_and_returns_python_int():
    assert validation.check_rank("f", np.int64(3)) == 3
    assert type(validation.check_rank("f", np.int64(3))) is int


@pytest.mark.parametrize(
    "fn",
    [
        lambda r: rj.haar_downsample(np.zeros((4, 4, 1), np.float32), rank=r),
        lambda r: rj.pyr_down(np.zeros((4, 4, 1), np.float32), rank=r),
        lambda r: rj.global_avg_pool(np.zeros((4, 4, 1), np.float32), rank=r),
        lambda r: rj.fuse(np.zeros((4, 4, 1), np.float32), np.zeros((4, 4, 1), np.float32), rank=r),
    ],
)
def test_rank_true_is_a_type_error_and_rank_4_a_value_error(fn):
    # True == 1 in Python: without the explicit check a bool would silently mean 1-D.
    with pytest.raises(TypeError, match="`rank` must be an int"):
        fn(True)
    with pytest.raises(ValueError, match="`rank` must be 1, 2 or 3"):
        fn(4)
