"""Old import path, kept for plugins written against it: the module now lives in ``walkrun.domain.protocol``."""

from walkrun.domain.protocol import *  # noqa: F403
