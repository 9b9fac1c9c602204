"""Stage 4, project: the files of a run, their configuration and the index over them.
"""
