"""The words walkrun speaks: profiles, check-ins, activities, protocols, plans, errors and paths.

Plain pydantic models and enums with units in field names. Nothing flows in from other layers:
every other package imports from here, and this package imports none of them.
"""
