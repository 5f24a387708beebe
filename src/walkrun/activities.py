"""Old import path, kept for plugins written against it: the module now lives in ``walkrun.domain.activities``."""

from walkrun.domain.activities import *  # noqa: F403
from walkrun.domain.activities import RPE_MAX, RPE_MIN  # noqa: F401  (outside its __all__, but public before)
