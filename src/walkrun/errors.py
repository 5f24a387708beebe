"""Old import path, kept for plugins written against it: the module now lives in ``walkrun.domain.errors``."""

from walkrun.domain.errors import *  # noqa: F403
