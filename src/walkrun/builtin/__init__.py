"""walkrun's built-in plugins, registered exactly like third-party ones: readers (watch files in,
activities out), writers (a plan in, calendars, watch workouts, JSON and pages out), the shipped
protocols and the ``walkrun`` commands. Only the plugin manager names these modules, and it loads
them through the same hooks as any installed plugin.
"""
