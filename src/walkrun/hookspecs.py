"""Old import path, kept for plugins written against it: the module now lives in ``walkrun.plugins.hookspecs``."""

from walkrun.plugins.hookspecs import *  # noqa: F403
