"""The plugin contract and host: hook specifications, the reader and writer contracts, and the
pluggy manager that loads built-ins and third-party plugins and keeps one plugin's mistake from
harming the rest. Only the manager names the built-in plugins.
"""
