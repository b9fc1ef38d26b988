"""Images too large in pixels (decompression bombs: a small file describing a huge image) are refused
from their header, before anything decodes them, with a message that says how large they are."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from conftest import TODAY
from PIL import Image

from policybook.images import MAX_IMAGE_PIXELS, image_problem, size_problem

FOLDER = "policies/governance"
# lint of the example library (one process) stays far below what decoding the bomb would take (8 GB)
PEAK_MEGABYTES = 400


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of ``width`` x ``height`` black pixels; its rows of zeros are compressed one at a
    time, so the file (under 1 MB for 100000 x 80000) is made without holding the image."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the packed pixels
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + _chunk(b"IDAT", idat) + _chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return bomb_png(100_000, 80_000)


def _saved(fmt: str, size: tuple[int, int] = (16, 16), **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt, **options)
    return buffer.getvalue()


def _jpeg(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims ``width`` x ``height``."""
    data = bytearray(_saved("JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _gif(width: int, height: int) -> bytes:
    """A GIF whose screen and one frame are ``width`` x ``height``, with a few bytes of image data."""
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0) + b","
            + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00;")


def _webp(width: int, height: int) -> bytes:
    """A small lossless WebP whose header claims ``width`` x ``height``."""
    data = bytearray(_saved("WEBP", lossless=True))
    assert data[12:16] == b"VP8L"
    kept = struct.unpack("<I", data[21:25])[0] & ~((1 << 28) - 1)  # alpha hint and version bits
    data[21:25] = struct.pack("<I", kept | (width - 1) | ((height - 1) << 14))
    return bytes(data)


def test_the_bomb_is_small_on_disk_and_refused_with_its_size(bomb: bytes) -> None:
    assert len(bomb) < 1_000_000
    message = size_problem(bomb, ".png")
    assert message is not None
    assert "the image is 100,000 x 80,000 pixels" in message
    assert f"keep images under {MAX_IMAGE_PIXELS // 1_000_000} megapixels" in message


@pytest.mark.parametrize(("suffix", "data", "size"), [
    (".jpg", _jpeg(30_000, 20_000), "30,000 x 20,000"),
    (".gif", _gif(30_000, 30_000), "30,000 x 30,000"),
    (".webp", _webp(10_000, 10_000), "10,000 x 10,000"),
    (".png", bomb_png(25_000, 1), "25,000 x 1"),  # a thin strip: under the area budget, over the side limit
], ids=["jpeg", "gif", "webp", "strip"])
def test_every_format_is_measured_from_its_header(suffix: str, data: bytes, size: str, tmp_path: Path) -> None:
    path = tmp_path / f"big{suffix}"
    path.write_bytes(data)
    problem = image_problem(path)
    assert problem is not None and f"the image is {size} pixels" in problem


def test_a_webp_over_pillows_own_limit_is_refused() -> None:
    problem = size_problem(_webp(16_384, 16_384), ".webp")
    assert problem is not None and "megapixels" in problem


@pytest.mark.parametrize(("suffix", "data"), [
    (".png", bomb_png(6_000, 6_000)), (".jpg", _saved("JPEG", (640, 480))), (".gif", _saved("GIF")),
    (".webp", _saved("WEBP")),
], ids=["png-36-megapixels", "jpeg", "gif", "webp"])
def test_ordinary_images_are_within_the_budget(suffix: str, data: bytes) -> None:
    assert size_problem(data, suffix) is None


def test_a_damaged_header_is_refused_without_a_traceback() -> None:
    problem = size_problem(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDRjunk", ".png")
    assert problem is not None and problem.startswith("cannot be read as a PNG image")


# The peak is read from VmHWM, which belongs to this process's own memory: ru_maxrss would carry the high
# water mark of the (large) test process it was started from across fork and exec.
_MEASURED = """
import json, sys
from policybook.cli import main
code = main(sys.argv[1:])
with open("/proc/self/status", encoding="ascii") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"code": code, "peak": peak // 1024}), file=sys.stderr)
"""


def test_lint_refuses_the_bomb_without_decoding_it(example: Path, bomb: bytes) -> None:
    folder = example / FOLDER
    policy = next(folder.glob("*.md"))
    (folder / "bomb.png").write_bytes(bomb)
    policy.write_text(policy.read_text(encoding="utf-8") + "\n![A poster](bomb.png)\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", _MEASURED, "-C", str(example), "lint", "--today", TODAY,
                             "--format", "json"], capture_output=True, text=True, timeout=120, check=False,
                            env={**os.environ, "POLICYBOOK_JOBS": "1"})
    measured = json.loads(result.stderr.strip().splitlines()[-1])
    findings = [f for f in json.loads(result.stdout)["findings"] if f["path"] == policy.relative_to(example).as_posix()]
    assert measured["code"] == 1
    assert any(f["rule"] == "image-file" and "100,000 x 80,000 pixels" in f["message"] for f in findings), findings
    assert measured["peak"] < PEAK_MEGABYTES, f"peak {measured['peak']} MB: the image was decoded"


def test_lint_passes_the_example_with_its_images(example: Path, run) -> None:
    assert list(example.rglob("*.png"))
    result = run("-C", str(example), "lint", "--today", TODAY, "--format", "json")
    assert result.code == 0, result.out[-2000:]
