"""The results log: every declaration, revision and reference record, appended and never overwritten."""
