"""Old import path, kept for plugins written against it: the module now lives in ``walkrun.plugins.readers``."""

from walkrun.plugins.readers import *  # noqa: F403
