"""Old import path, kept for plugins written against it: the module now lives in ``walkrun.domain.models``."""

from walkrun.domain.models import *  # noqa: F403
