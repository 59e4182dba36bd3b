"""The pure shared kernel: errors, rules, clock port, pagination, scopes. Standard library and
attrs only."""
