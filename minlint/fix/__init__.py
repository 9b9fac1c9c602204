"""Stage 9, fix: ``minlint fix`` removes disallowed fields from disclosures.
"""
