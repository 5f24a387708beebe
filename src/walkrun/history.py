"""Old import path, kept for plugins written against it: the module now lives in ``walkrun.domain.history``."""

from walkrun.domain.history import *  # noqa: F403
