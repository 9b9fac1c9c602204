"""Stage 10, front ends: the CLI, the flake8 plugin and the language server.
"""
