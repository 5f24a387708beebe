"""The ``walkrun`` command line's frame: the root group, the context every command gets, consoles,
hints and the glossary. Commands themselves live in ``walkrun.builtin.commands`` and register
through the ``register_commands`` hook like any plugin's.
"""
