"""What every stage speaks: the rule-code table, the finding, file identity.

Nothing here imports another stage of minlint.
"""
