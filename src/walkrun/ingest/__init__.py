"""Files, folders and bulk-export archives in; one import item per file out: sniffing and
decompression, zip walking with limits, bulk-export metadata (Strava CSV, Garmin summaries), safe XML
(``xmlsafe``) with a pattern fast path for runs of track points (``xmlspans``), and decoding in a
process pool through the registered readers.
"""
