"""What ``--no-tls`` takes from a WebSocket app is named at start-up: the AWS samples'
``https://{domainName}/{stage}`` callback URL needs the TLS listener."""

from __future__ import annotations

from pathlib import Path

from lambdakit.local.serve import tls_notes
from lambdakit.local.template import read_template

TEMPLATE = Path(__file__).parent / "fixtures" / "template.yaml"


def test_no_tls_names_the_domain_name_callback_url():
    config = read_template(TEMPLATE).config
    assert config.websocket is not None
    (note,) = tls_notes(config, tls=False)
    assert 'endpoint_url=f"https://{domainName}/{stage}" cannot reach @connections' in note
    assert tls_notes(config, tls=True) == []
