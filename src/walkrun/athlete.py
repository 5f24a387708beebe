"""Old import path, kept for plugins written against it: the module now lives in ``walkrun.app.athlete``."""

from walkrun.app.athlete import *  # noqa: F403
