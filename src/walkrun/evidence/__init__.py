"""Activities and check-ins in, evidence out: walking/running segments (classify), the one
judgment of pain, the sessions the gate counts, and how a done session matched its prescription.
"""
