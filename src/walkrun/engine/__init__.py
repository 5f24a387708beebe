"""Protocol + history + day in, plan out: the readiness gate, the progression rules, safety floors,
prescriptions and their targets, and the simulated runner. Pure: no clock, no I/O.
"""
