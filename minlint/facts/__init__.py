"""Stage 3, facts: what a module says, independent of any analysis.

Functions, classes, imports, constants and each function's control-flow
graph. A fact object holds facts only: every decision that depends on other
functions (which calls never return, what a helper checks) is made by one
analysis (stage 5) and never stored here.
"""
