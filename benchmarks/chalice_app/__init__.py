"""The Chalice project ``chalice local`` serves for the load test (``app.py``)."""
