"""Stage 7, run: the engine that analyses seeds (in parallel, with the cache),
and finish: suppressions, selection, baseline.
"""
