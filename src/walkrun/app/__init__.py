"""The services the CLI and the server share: an athlete's plan from the store and the plugins,
the import service, exports through the registered writers, plan revisions, the roster, coach
notes and scoped coaches, the documented JSON views and the demo's sample data.
"""
