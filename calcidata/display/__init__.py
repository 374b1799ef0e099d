"""Display: figures drawn from analysis results."""
