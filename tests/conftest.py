"""Project test configuration.

The ``backend`` fixture comes from arraygrad's own pytest plugin (entry point ``pytest11``),
exactly as a user's suite gets it. JAX computes in float32 unless x64 is enabled before it
is imported; float64 gradient checks need it, so the test session enables it.
"""

import os

os.environ.setdefault("JAX_ENABLE_X64", "1")
