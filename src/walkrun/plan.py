"""Old import path, kept for plugins written against it: the module now lives in ``walkrun.domain.plan``."""

from walkrun.domain.plan import *  # noqa: F403
