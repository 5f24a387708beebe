"""Old import path, kept for plugins written against it: the module now lives in ``walkrun.plugins.writers``."""

from walkrun.plugins.writers import *  # noqa: F403
