"""Repository tooling (not part of the lambdakit package): packaging and documentation."""
