"""Load a portrait photo as an (H, W, 3) uint8 RGB array, upright, with any file quirk resolved.

First step of the image side of the pipeline: media.image -> face.landmarks -> face.rig.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from dirfa.errors import InputError

log = logging.getLogger(__name__)

# Largest picture accepted, in pixels (width * height). 50 MP is above any phone camera in common use and
# decodes to ~150 MB of RGB; beyond it a file is almost surely a mistake or a decompression bomb.
MAX_PIXELS = 50_000_000
# Smallest side accepted, in pixels: below this no face detector can find anything.
MIN_SIDE_PX = 16

# Only the formats a portrait plausibly comes in. Pillow knows ~40 more, several of them old and rarely
# exercised parsers; refusing them narrows what a hostile file can reach. MPO is what many cameras write
# for a JPEG with an embedded preview.
ALLOWED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "BMP", "TIFF", "GIF", "PPM")

_HINT = "give a JPEG, PNG, WebP or BMP photo"


def _sniff_kind(head: bytes) -> str | None:
    """Guess from a file's first bytes whether it is audio or video rather than a picture.

    Returns "audio", "video", "audio or video", or None when it does not recognise the bytes.
    Magic numbers from each format's specification (RIFF/WAVE, ID3v2, MPEG audio frame sync, OggS,
    fLaC, ISO BMFF 'ftyp', Matroska EBML).
    """
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio"
    if head[:3] == b"ID3" or head[:4] in (b"OggS", b"fLaC") or head[:4] == b"FORM" and head[8:11] == b"AIF":
        return "audio"
    if len(head) >= 3 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        if (head[1] & 0xF6) == 0xF0:  # ADTS AAC: 12-bit sync, layer 00
            return "audio"
        # MPEG audio frame header (ISO 11172-3): 11-bit sync, then version, layer, bit rate and sample
        # rate fields that each have one reserved value; checking them keeps random bytes from matching.
        version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
        bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
        if version != 1 and layer != 0 and bitrate != 15 and rate != 3:
            return "audio"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B ", b"M4P "):
            return "audio"
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"heim", b"heis", b"hevc"):
            return None  # HEIF/AVIF are pictures; handled by the caller
        return "video"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "audio or video"
    return None


def _not_an_image_message(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            head = f.read(32)
    except OSError:
        head = b""
    if not head:
        return f"portrait {path} is empty — {_HINT}"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis", b"avif"):
        return f"portrait {path} is HEIC/AVIF, which dirfa cannot read — convert it to JPEG or PNG first"
    kind = _sniff_kind(head)
    if kind is not None:
        return f"{path} is not an image (it looks like {kind}) — {_HINT}"
    return f"portrait {path} is not an image dirfa can read (unknown or corrupt format) — {_HINT}"


def _to_rgb(im: Image.Image) -> np.ndarray:
    """Convert any Pillow mode to (H, W, 3) uint8 RGB; transparency is flattened onto white."""
    mode = im.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        # Pillow's convert() clips these to 0..255 instead of scaling, turning 16-bit photos white.
        values = np.asarray(im, dtype=np.float64)
        if mode == "F":
            top = 1.0 if float(np.nanmax(values, initial=0.0)) <= 1.0 else 255.0
        else:
            top = 65535.0 if mode.startswith("I;16") or float(values.max(initial=0.0)) > 255 else 255.0
        gray = np.clip(np.nan_to_num(values / top * 255.0), 0, 255).round().astype(np.uint8)
        return np.repeat(gray[:, :, None], 3, axis=2)
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        mode in ("P", "L", "RGB") and "transparency" in im.info
    )
    if has_alpha:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"))
    return np.asarray(im.convert("RGB"))


def load_image(path: str | Path) -> np.ndarray:
    """Read a portrait file and return it as a (H, W, 3) uint8 RGB array.

    The EXIF orientation is applied (the array is upright as a viewer shows it). Transparency is
    flattened onto white. Grayscale, palette, 16-bit, CMYK and bilevel pictures are converted to RGB
    (16-bit scaled, not clipped). Animated or multi-page files give their first frame. Colour profiles
    are not applied (pixel values are taken as sRGB).

    Raises InputError for a missing file, a folder, an unreadable/corrupt/truncated file, a file that is
    not a picture, a picture with more than MAX_PIXELS pixels or a side under MIN_SIDE_PX pixels.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"portrait {path} does not exist — check the path")
    if path.is_dir():
        raise InputError(f"portrait {path} is a folder — give the photo file inside it")
    try:
        with warnings.catch_warnings():
            # We enforce our own, lower limit below; Pillow's warning would only add noise on stderr.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            Image.init()  # registers every plugin (MPO, WebP...), so `formats` can name them
            formats = [name for name in ALLOWED_FORMATS if name in Image.OPEN]
            with Image.open(path, formats=formats) as im:
                width, height = im.size  # from the header only; nothing decoded yet
                _check_size(path, width, height)
                im.seek(0)
                im.load()
                im = ImageOps.exif_transpose(im)
                rgb = _to_rgb(im)
    except InputError:
        raise
    except Image.DecompressionBombError as exc:
        raise InputError(
            f"portrait {path} is too large ({exc}) — give a photo under {MAX_PIXELS // 1_000_000} megapixels"
        ) from exc
    except UnidentifiedImageError as exc:
        raise InputError(_not_an_image_message(path)) from exc
    except PermissionError as exc:
        raise InputError(
            f"portrait {path} cannot be read (permission denied) — check its permissions"
        ) from exc
    except MemoryError as exc:
        raise InputError(
            f"portrait {path} needs more memory to decode than is available — give a smaller photo"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - Pillow plugins raise OSError, SyntaxError, ValueError, struct.error...
        log.debug("Pillow failed on %s", path, exc_info=True)
        raise InputError(
            f"portrait {path} cannot be decoded, it is damaged or incomplete ({exc}) — re-save or re-download it, "
            f"or {_HINT}"
        ) from exc
    # After the EXIF rotation width and height may have swapped; check the final array.
    if rgb.shape[0] < MIN_SIDE_PX or rgb.shape[1] < MIN_SIDE_PX:
        _check_size(path, rgb.shape[1], rgb.shape[0])
    return np.ascontiguousarray(rgb, dtype=np.uint8)


def _check_size(path: Path, width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise InputError(
            f"portrait {path} is too large ({width}x{height} = {width * height / 1e6:.0f} megapixels) — "
            f"give a photo under {MAX_PIXELS / 1e6:.0f} megapixels (a face crop of ~1000 px is plenty)"
        )
    if width < MIN_SIDE_PX or height < MIN_SIDE_PX:
        raise InputError(
            f"portrait {path} is too small ({width}x{height} px) — give a photo at least "
            f"{MIN_SIDE_PX}x{MIN_SIDE_PX} px (a face of 200 px or more works best)"
        )
