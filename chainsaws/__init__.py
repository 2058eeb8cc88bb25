"""The seed library's import paths, re-exporting lambdakit. No logic lives here."""
