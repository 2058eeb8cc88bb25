"""What a run measures with: counts and durations for the full and the quick mode, and paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parent.parent
BENCHMARKS: Final = ROOT / "benchmarks"
RESULTS: Final = BENCHMARKS / "results"
DYNAMODB_LOCAL: Final = ROOT / "scripts" / "dynamodb-local"
# Our own DynamoDB Local install and pid files: never the test suite's (.cache/dynamodb-local).
DYNAMODB_LOCAL_CACHE: Final = ROOT / ".cache" / "bench-dynamodb-local"


@dataclass(frozen=True)
class Settings:
    """Counts for one run. ``quick`` keeps them small enough for CI to prove the command works."""

    quick: bool
    import_runs: int  # fresh processes per cold-import subject (median taken)
    repeat: int  # timeit rounds per warm measurement (best taken)
    round_seconds: float  # minimum duration of one timeit round
    connections: int  # connections for the broadcast without a limit
    limited_connections: int  # connections for the broadcast under the account limit
    limit_rate: int  # the account limit, calls/s (burst: half of it, as AWS's 10,000/5,000)
    latency_ms: float  # the simulated @connections' answer time per call
    throttled_connections: int  # connections for the broadcast under a limit below its pace
    throttled_rate: int  # that limit, calls/s
    fan_out_connections: int  # connections for the fan-out, in batches of Event invocations
    fan_out_rate: int  # the account limit the batches share, calls/s
    fan_out_batch_size: int  # connections per batch (one process each)
    store_calls: int  # calls per connection-store operation and round
    store_rounds: int  # rounds (even: each side goes first as often)
    load_seconds: int  # wrk duration, and the WebSocket round-trip run's
    load_connections: int  # wrk -c
    ws_clients: int  # concurrent WebSocket clients for round trips/s

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


FULL: Final = Settings(
    quick=False,
    import_runs=30,
    repeat=7,
    round_seconds=0.2,
    connections=1000,
    limited_connections=5000,
    limit_rate=1000,
    latency_ms=20,
    throttled_connections=2000,
    throttled_rate=250,
    fan_out_connections=100_000,
    fan_out_rate=2000,
    fan_out_batch_size=10_000,
    store_calls=150,
    store_rounds=4,
    load_seconds=10,
    load_connections=32,
    ws_clients=16,
)

QUICK: Final = Settings(
    quick=True,
    import_runs=10,
    repeat=3,
    round_seconds=0.05,
    connections=100,
    limited_connections=500,
    limit_rate=500,
    latency_ms=20,
    throttled_connections=300,
    throttled_rate=100,
    fan_out_connections=4000,
    fan_out_rate=1000,
    fan_out_batch_size=1000,
    store_calls=30,
    store_rounds=2,
    load_seconds=2,
    load_connections=32,
    ws_clients=8,
)
