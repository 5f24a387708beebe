"""The FIT binary format both ways: a bounded decoder for the read path and a small encoder for
workout, schedule and sample files. Bytes in, typed messages out (and back); no walkrun concepts
beyond the domain's errors.
"""
