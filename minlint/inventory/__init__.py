"""Stage 9, inventory: every disclosure path of a project, checked or not, for a reviewer.
"""
