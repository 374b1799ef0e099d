"""Analysis: tidy, typed results from the tables."""
