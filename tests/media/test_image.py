from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from dirfa.errors import InputError
from dirfa.media import image
from dirfa.media.image import load_image


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


@pytest.mark.parametrize(
    ("suffix", "tolerance"),
    [("jpg", 6.0), ("png", 0.0), ("webp", 6.0), ("bmp", 0.0), ("tiff", 0.0), ("gif", 12.0)],
)
def test_common_formats_load_as_rgb(astronaut, tmp_path, suffix, tolerance):
    path = tmp_path / f"face.{suffix}"
    Image.fromarray(astronaut).save(path)
    rgb = load_image(path)
    assert rgb.shape == astronaut.shape and rgb.dtype == np.uint8
    assert mean_abs_diff(rgb, astronaut) <= tolerance


def test_str_path_and_odd_size(astronaut, tmp_path):
    path = tmp_path / "odd.png"
    Image.fromarray(astronaut[:77, :101]).save(path)
    rgb = load_image(str(path))
    assert rgb.shape == (77, 101, 3)
    np.testing.assert_array_equal(rgb, astronaut[:77, :101])


def test_grayscale_becomes_three_equal_channels(astronaut, tmp_path):
    gray = Image.fromarray(astronaut).convert("L")
    gray.save(tmp_path / "gray.png")
    rgb = load_image(tmp_path / "gray.png")
    assert rgb.shape == astronaut.shape
    np.testing.assert_array_equal(rgb[..., 0], np.asarray(gray))
    np.testing.assert_array_equal(rgb[..., 0], rgb[..., 2])


def test_16bit_grayscale_is_scaled_not_clipped(astronaut, tmp_path):
    gray8 = np.asarray(Image.fromarray(astronaut).convert("L"))
    Image.fromarray(gray8.astype(np.uint16) * 257).save(tmp_path / "gray16.png")
    assert Image.open(tmp_path / "gray16.png").mode.startswith("I")
    rgb = load_image(tmp_path / "gray16.png")
    assert mean_abs_diff(rgb[..., 1], gray8) < 0.6  # clipping would make nearly every pixel 255


def test_16bit_colour_png(astronaut, tmp_path):
    cv2 = pytest.importorskip("cv2")  # Pillow cannot write 16-bit RGB; OpenCV can
    cv2.imwrite(str(tmp_path / "rgb16.png"), astronaut[..., ::-1].astype(np.uint16) * 257)
    assert mean_abs_diff(load_image(tmp_path / "rgb16.png"), astronaut) < 0.6


def test_transparency_is_flattened_onto_white(astronaut, tmp_path):
    rgba = np.dstack([astronaut, np.full(astronaut.shape[:2], 255, np.uint8)])
    rgba[:100, :, 3] = 0  # fully transparent band on top
    rgba[100:200, :, 3] = 128  # half transparent band
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    rgb = load_image(tmp_path / "alpha.png")
    assert (rgb[:100] == 255).all()
    half = (astronaut[100:200].astype(float) * 128 + 255 * 127) / 255
    assert np.abs(rgb[100:200] - half).max() <= 1.5
    np.testing.assert_array_equal(rgb[200:], astronaut[200:])
    Image.fromarray(rgba, "RGBA").convert("LA").save(tmp_path / "gray_alpha.png")
    assert (load_image(tmp_path / "gray_alpha.png")[:100] == 255).all()


def test_palette_images_with_and_without_transparency(astronaut, tmp_path):
    palette = Image.fromarray(astronaut).quantize(colors=256)
    palette.save(tmp_path / "palette.png")
    assert mean_abs_diff(load_image(tmp_path / "palette.png"), astronaut) < 12
    palette.info["transparency"] = 0
    palette.save(tmp_path / "palette_t.png", transparency=0)
    rgb = load_image(tmp_path / "palette_t.png")
    index0 = np.asarray(palette) == 0
    assert index0.any() and (rgb[index0] == 255).all()


def test_cmyk_jpeg_is_converted(astronaut, tmp_path):
    Image.fromarray(astronaut).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=95)
    assert mean_abs_diff(load_image(tmp_path / "cmyk.jpg"), astronaut) < 6


def test_exif_orientation_6_is_applied(astronaut, tmp_path):
    wide = astronaut[:300, :]  # 300 high, 512 wide, so a rotation shows in the shape
    picture = Image.fromarray(wide)
    exif = picture.getexif()
    exif[0x0112] = 6  # Orientation: the viewer rotates 90 degrees clockwise
    picture.save(tmp_path / "rotated.jpg", exif=exif, quality=95)
    rgb = load_image(tmp_path / "rotated.jpg")
    assert rgb.shape == (512, 300, 3)
    assert mean_abs_diff(rgb, np.rot90(wide, k=-1)) < 4
    assert mean_abs_diff(rgb, np.rot90(wide, k=1)) > 30


def test_animated_gif_gives_first_frame(astronaut, tmp_path):
    frames = [Image.fromarray(astronaut), Image.fromarray(255 - astronaut)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    assert mean_abs_diff(load_image(tmp_path / "anim.gif"), astronaut) < 12


# --- bad input: each is an InputError with a message that says what to do


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_image(tmp_path / "nobody.jpg")


def test_folder(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        load_image(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_image(tmp_path / "empty.jpg")


def test_random_bytes(tmp_path):
    (tmp_path / "junk.jpg").write_bytes(b"GARBAGE" + np.random.default_rng(1).bytes(5000))
    with pytest.raises(InputError, match="not an image dirfa can read.*JPEG, PNG"):
        load_image(tmp_path / "junk.jpg")


@pytest.mark.parametrize("suffix", ["jpg", "png", "webp"])
def test_truncated_file(astronaut, tmp_path, suffix):
    path = tmp_path / f"face.{suffix}"
    Image.fromarray(astronaut).save(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(InputError, match=f"{path.name} cannot be decoded|not an image"):
        load_image(path)


def test_corrupt_jpeg_body(astronaut, tmp_path):
    path = tmp_path / "face.jpg"
    Image.fromarray(astronaut).save(path)
    raw = bytearray(path.read_bytes())
    raw[400:] = bytes(len(raw) - 400)  # header intact, entropy-coded data destroyed
    path.write_bytes(bytes(raw))
    # Pillow may decode zeroed JPEG data into a (grey) picture or refuse it; either way no traceback.
    try:
        assert load_image(path).shape == astronaut.shape
    except InputError as exc:
        assert "face.jpg" in str(exc)


def test_wav_given_as_image(speech_wav, tmp_path):
    with pytest.raises(
        InputError, match=r"is not an image \(it looks like audio\) — give a JPEG, PNG, WebP or BMP"
    ):
        load_image(speech_wav)


def test_mp3_and_mp4_given_as_image(speech_files):
    with pytest.raises(InputError, match="looks like audio"):
        load_image(speech_files["mp3"])
    with pytest.raises(InputError, match="looks like video"):
        load_image(speech_files["mp4"])


def test_too_small(astronaut, tmp_path):
    Image.fromarray(astronaut[:12, :40]).save(tmp_path / "tiny.png")
    with pytest.raises(InputError, match=r"too small \(40x12 px\)"):
        load_image(tmp_path / "tiny.png")


def png_chunk(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_bomb(width: int, height: int) -> bytes:
    """A tiny valid-looking PNG claiming width x height RGB pixels (a decompression bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(bytes(10_000))
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND")


@pytest.mark.parametrize("side", [8000, 60000])  # 64 MP (over our limit), 3.6 GP (over Pillow's bomb limit)
def test_decompression_bomb_header_is_refused_before_decoding(tmp_path, side):
    (tmp_path / "bomb.png").write_bytes(png_bomb(side, side))
    with pytest.raises(InputError, match="too large.*megapixels"):
        load_image(tmp_path / "bomb.png")


def test_max_pixels_is_enforced(astronaut, tmp_path, monkeypatch):
    Image.fromarray(astronaut).save(tmp_path / "face.png")
    monkeypatch.setattr(image, "MAX_PIXELS", 512 * 511)
    with pytest.raises(InputError, match=r"too large \(512x512"):
        load_image(tmp_path / "face.png")


@pytest.fixture(scope="module")
def encoded_faces(astronaut, tmp_path_factory) -> dict[str, bytes]:
    small = np.asarray(Image.fromarray(astronaut).resize((64, 64)))
    out = {}
    folder = tmp_path_factory.mktemp("fuzz")
    for suffix in ("jpg", "png", "webp", "bmp", "gif"):
        Image.fromarray(small).save(folder / f"f.{suffix}")
        out[suffix] = (folder / f"f.{suffix}").read_bytes()
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    suffix=st.sampled_from(["jpg", "png", "webp", "bmp", "gif"]),
    edits=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.one_of(st.none(), st.integers(0, 4000)),
)
def test_damaged_files_give_an_image_or_an_input_error(encoded_faces, tmp_path, suffix, edits, cut):
    """Bad input is normal input: flipped bytes and cuts never escape as anything but InputError."""
    raw = bytearray(encoded_faces[suffix])
    for position, value in edits:
        raw[position % len(raw)] = value
    if cut is not None:
        raw = raw[: cut % len(raw)]
    path = tmp_path / f"damaged.{suffix}"
    path.write_bytes(bytes(raw))
    try:
        rgb = load_image(path)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3 and min(rgb.shape[:2]) >= 16
