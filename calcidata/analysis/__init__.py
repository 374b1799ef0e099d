"""Stage 2, the analysis: tidy, typed frames computed from the tables (no wording, no HTML)."""
