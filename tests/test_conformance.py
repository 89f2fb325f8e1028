"""The backend conformance kit, run on every backend of the matrix.

The kit's tests live in :mod:`arraygrad.testing.conformance` (what a backend author runs
with ``pytest --pyargs arraygrad.testing.conformance --arraygrad-backend NAME``); importing
them here makes the project suite collect them for every backend, without a second copy.
"""

from arraygrad.testing.conformance.test_errors import *  # noqa: F403
from arraygrad.testing.conformance.test_inplace import *  # noqa: F403
from arraygrad.testing.conformance.test_interop import *  # noqa: F403
from arraygrad.testing.conformance.test_ops import *  # noqa: F403
from arraygrad.testing.conformance.test_rng import *  # noqa: F403
from arraygrad.testing.conformance.test_scatter import *  # noqa: F403
