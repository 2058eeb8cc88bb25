"""What an artifact weighs, and how much of that is lambdakit."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from tools.packaging.contents import is_library

# Lambda's limits for a .zip deployment package.
ZIP_LIMIT: Final = 50 * 1024 * 1024  # uploaded directly
UNZIPPED_LIMIT: Final = 250 * 1024 * 1024  # code and layers, unzipped


@dataclass(frozen=True)
class Sizes:
    zip_bytes: int  # the file on disk
    unzipped_bytes: int
    library_compressed: int  # lambdakit + chainsaws + lambdakit's dist-info, inside the zip
    library_unzipped: int
    local_server_unzipped: int  # lambdakit/local: in the wheel, never imported on Lambda
    files: int


def measure(artifact: Path) -> Sizes:
    with zipfile.ZipFile(artifact) as archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
    library = [m for m in members if is_library(m.filename)]
    return Sizes(
        zip_bytes=artifact.stat().st_size,
        unzipped_bytes=sum(m.file_size for m in members),
        library_compressed=sum(m.compress_size for m in library),
        library_unzipped=sum(m.file_size for m in library),
        local_server_unzipped=sum(
            m.file_size for m in library if m.filename.startswith("lambdakit/local/")
        ),
        files=len(members),
    )


def _kb(size: int) -> str:
    return f"{size / 1024:,.1f} KB"


def describe(artifact: Path, sizes: Sizes) -> str:
    share = sizes.library_compressed / sizes.zip_bytes if sizes.zip_bytes else 0.0
    return "\n".join(
        [
            f"{artifact}: {sizes.zip_bytes:,} bytes ({_kb(sizes.zip_bytes)}) zipped, "
            f"{sizes.unzipped_bytes:,} bytes unzipped, {sizes.files} files",
            f"  lambdakit adds (lambdakit + chainsaws + dist-info): "
            f"{sizes.library_compressed:,} bytes zipped ({share:.0%} of the artifact), "
            f"{sizes.library_unzipped:,} bytes unzipped",
            f"  of which lambdakit/local (the local API Gateway: left out, Lambda never runs it): "
            f"{sizes.local_server_unzipped:,} bytes unzipped",
            f"  Lambda's limits: {ZIP_LIMIT // 2**20} MB zipped, "
            f"{UNZIPPED_LIMIT // 2**20} MB unzipped; "
            "boto3 is not bundled (the python3.12 runtime provides it)",
        ]
    )
