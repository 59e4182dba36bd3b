"""The pure shared kernel: errors, rules, clock port, pagination, scopes and the ``Actor``,
text folding, line-numbered import errors, progress and demo scales. Standard library and
attrs only."""
