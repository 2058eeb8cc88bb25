"""``scripts/package``: build the chat example's deployment zip per architecture, report its
size and lambdakit's share, and check it in a clean interpreter.

    scripts/package                      # both architectures, into dist/
    scripts/package --arch arm64         # one
    scripts/package --no-check --out /tmp/artifacts
    python -m tools.packaging --arch arm64 --stage-into DIR   # sam build's Makefile: no zip
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Final

from tools.packaging.build import PLATFORMS, build_wheel, stage, write_zip
from tools.packaging.check import check_artifact, default_python
from tools.packaging.report import describe, measure

ROOT: Final = Path(__file__).resolve().parents[2]
ARTIFACT_NAME: Final = "chat-{arch}.zip"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/package",
        description="Build the chat example's Lambda deployment zip (python3.12) and check it.",
    )
    parser.add_argument(
        "--arch",
        choices=[*PLATFORMS, "all"],
        default="all",
        help="Lambda architecture (default: all, i.e. x86_64 and arm64)",
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "dist", help="output folder (default: dist/)"
    )
    parser.add_argument(
        "--python",
        default=None,
        help="interpreter for the clean check (default: the system's python3)",
    )
    parser.add_argument("--no-check", action="store_true", help="build only")
    parser.add_argument(
        "--stage-into",
        type=Path,
        metavar="DIR",
        help="fill DIR with the code root instead (one --arch; no zip, no check): "
        "what `sam build` runs through the Makefile",
    )
    args = parser.parse_args(argv)
    if args.stage_into is not None and args.arch == "all":
        parser.error("--stage-into needs one --arch")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    arches = list(PLATFORMS) if args.arch == "all" else [args.arch]
    python = args.python or default_python()
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lambdakit-package-") as scratch:
        wheel = build_wheel(ROOT, Path(scratch) / "wheel")
        if args.stage_into is not None:
            stage(ROOT, wheel, args.arch, args.stage_into)
            return 0
        for arch in arches:
            artifact = args.out / ARTIFACT_NAME.format(arch=arch)
            code_root = Path(scratch) / arch
            stage(ROOT, wheel, arch, code_root)
            write_zip(code_root, artifact)
            print(f"== {arch} ({PLATFORMS[arch]}, cp312)")
            print(describe(artifact, measure(artifact)), flush=True)
            if args.no_check:
                continue
            print(f"== checking {artifact.name} in a clean interpreter", flush=True)
            if check_artifact(artifact, python) != 0:
                failed.append(arch)
    if failed:
        print(f"artifact check FAILED for: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
