"""Old import path, kept for plugins written against it: the module now lives in ``walkrun.domain.activities``."""

from walkrun.domain.activities import *  # noqa: F403
