"""What a reader sees: plain words, HTML tables and headers, and plots. No I/O."""
