"""Seed path: ``chainsaws.aws.lambda_client``."""
