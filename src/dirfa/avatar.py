"""Prepared avatars: everything the photo alone decides (face, rig, person layer, background plate, mouth and
lid colours), computed once and saved as a versioned .avatar file (npz arrays + a JSON description).

Sits beside the pipeline: photo -> face.landmarks -> face.rig -> render.compose.render_assets -> Avatar,
which api.frames/render/say and live.Session take wherever they take a Portrait.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
import threading
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dirfa.errors import InputError, OutputError
from dirfa.face import landmarks as face_landmarks
from dirfa.face import rig as face_rig
from dirfa.media.files import atomic_output
from dirfa.render import compose, eyelids, mouth
from dirfa.sources import source_digest

log = logging.getLogger(__name__)

FORMAT = "dirfa-avatar"
FORMAT_VERSION = 1  # raise when the file layout changes; files from a newer dirfa are refused
SUFFIX = ".avatar"
META_KEY = "meta.json"
# Every array lives in one byte blob (offsets in the JSON): reading one npz member is fast, reading
# hundreds of them is not (each has a header to parse), and the load should take well under 100 ms.
BLOB_KEY = "arrays"
BLOB_ALIGN = 64
# Output widths prepared ahead (whole picture and face-centred crop) besides the photo's own scale: the
# live session's and the service's usual size. Other sizes are prepared on first use, in memory.
PREPARED_WIDTHS_PX = (512,)
# A video this much smaller than the photo is rendered at its own scale (less work, the same picture);
# the same threshold as before avatars existed (api.frames).
RESCALE_BELOW = 0.95
MAX_FILE_BYTES = 2_000_000_000  # a bigger .avatar is not ours: refuse before reading it

Portrait = face_landmarks.Portrait
# Guards the levels avatars prepare on first use (threads of a service share avatars). One lock for all, so
# an Avatar stays plain data that pickles (Ray's object store, worker processes).
_LEVELS_LOCK = threading.Lock()

# The only types a file may describe: decoding never imports a name read from the file.
_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        face_landmarks.Portrait,
        face_rig.Rig,
        face_rig.FaceFrame,
        face_rig.Columns,
        mouth.MouthColours,
        eyelids.LidColours,
        compose.RenderAssets,
    )
}


def _schema() -> dict[str, list[str]]:
    """Field names of every saved type: a file whose types had other fields was made by another dirfa."""
    return {name: [f.name for f in dataclasses.fields(cls)] for name, cls in sorted(_CLASSES.items())}


# The modules whose code decides what an avatar holds. Their source is part of the schema digest: an avatar
# (or a cached one) prepared by other code of the same version, e.g. an edited rig, is prepared again instead
# of rendering with a rig its code no longer makes.
_PREPARING_MODULES = (
    "dirfa.face.landmarks",
    "dirfa.face.topology",
    "dirfa.face.rig",
    "dirfa.render.mouth",
    "dirfa.render.eyelids",
    "dirfa.render.compose",
    __name__,
)


@functools.cache
def _schema_digest() -> str:
    from dirfa import __version__

    code = source_digest(_PREPARING_MODULES)
    text = json.dumps([FORMAT_VERSION, __version__, _schema(), code], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class AvatarLevel:
    """The avatar at one working scale: the portrait (picture scaled, landmarks in its pixels), its rig and
    the renderer's assets. Level 0 of an Avatar is the photo's own scale."""

    portrait: Portrait
    rig: face_rig.Rig
    assets: compose.RenderAssets

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the picture in pixels."""
        height, width = self.portrait.image.shape[:2]
        return width, height


@dataclass(frozen=True)
class Avatar:
    """A prepared face: everything the photo alone decides, ready to animate.

    name: the photo's file name. levels: the avatar at the photo's scale (levels[0]) and at the smaller
    scales prepared for common output sizes. Other output sizes are prepared on first use and kept in
    memory (saved too by `save`)."""

    name: str
    levels: tuple[AvatarLevel, ...]
    _extra: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def portrait(self) -> Portrait:
        return self.levels[0].portrait

    @property
    def rig(self) -> face_rig.Rig:
        return self.levels[0].rig

    @property
    def assets(self) -> compose.RenderAssets:
        return self.levels[0].assets

    def for_output(
        self, *, size: int | None = None, crop: bool = False
    ) -> tuple[AvatarLevel, compose.OutputPlan]:
        """The level to render a video of `size` px wide (whole picture or `crop`) from, and the framing
        in that level's pixels. InputError for an unusable size."""
        full = self.portrait
        plan = compose.plan_output(full.image.shape, full.face_box, size=size, crop=crop)
        scaled, scaled_plan = at_output_scale(full, plan)
        if scaled is full:
            return self.levels[0], plan
        key = (scaled.image.shape[1], scaled.image.shape[0])
        with _LEVELS_LOCK:
            for level in (*self.levels, *self._extra.values()):
                if level.size == key:
                    return level, scaled_plan
            level = _make_level(scaled)
            self._extra[key] = level
        return level, scaled_plan

    def save(self, path: str | Path) -> Path:
        """Write the avatar as a .avatar file (npz arrays + a JSON description; no pickle). Written to a
        temporary name and renamed when complete."""
        path = Path(path)
        with _LEVELS_LOCK:
            levels = (*self.levels, *self._extra.values())
        arrays: dict[str, np.ndarray] = {}
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "schema": _schema_digest(),
            "name": self.name,
            "levels": [_encode(level_fields(level), arrays) for level in levels],
        }
        meta["arrays"], blob = _pack(arrays)
        with atomic_output(path) as tmp:
            try:
                with open(tmp, "wb") as out:
                    np.savez(
                        out, **{META_KEY: np.frombuffer(json.dumps(meta).encode(), np.uint8), BLOB_KEY: blob}
                    )
            except OSError as exc:
                raise OutputError(
                    f"cannot write {path}: {exc.strerror or exc} — choose another path"
                ) from None
        return path


def level_fields(level: AvatarLevel) -> dict[str, object]:
    return {"portrait": level.portrait, "rig": level.rig, "assets": level.assets}


def at_output_scale(portrait: Portrait, plan: compose.OutputPlan) -> tuple[Portrait, compose.OutputPlan]:
    """The portrait scaled down to the video's scale, and the framing in its pixels (the portrait itself
    when the video is not markedly smaller)."""
    import cv2

    x0, y0, x1, y1 = plan.box
    scale = plan.width / max(x1 - x0, 1)
    if scale >= RESCALE_BELOW:
        return portrait, plan
    height, width = portrait.image.shape[:2]
    new_w, new_h = max(2, round(width * scale)), max(2, round(height * scale))
    sx, sy = new_w / width, new_h / height
    image = cv2.resize(portrait.image, (new_w, new_h), interpolation=cv2.INTER_AREA)
    landmarks = portrait.landmarks_xyz * np.array([sx, sy, sx], np.float32)
    box = portrait.face_box * np.array([sx, sy, sx, sy], np.float32)
    scaled = Portrait(image=image, landmarks_xyz=landmarks, face_box=box, n_faces=portrait.n_faces)
    bx0, by0 = min(round(x0 * sx), new_w - 2), min(round(y0 * sy), new_h - 2)
    bx1, by1 = min(bx0 + plan.width, new_w), min(by0 + plan.height, new_h)
    return scaled, compose.OutputPlan((bx0, by0, bx1, by1), plan.width, plan.height)


def _make_level(portrait: Portrait) -> AvatarLevel:
    rig = face_rig.build_rig(portrait)
    return AvatarLevel(portrait=portrait, rig=rig, assets=compose.render_assets(portrait.image, rig))


def prepare(
    photo: str | Path | Portrait,
    *,
    face_index: int = 0,
    widths_px: tuple[int, ...] = PREPARED_WIDTHS_PX,
) -> Avatar:
    """Prepare a photo (a file or a loaded Portrait) once: face, rig, person layer, background plate, mouth
    and lid colours, at the photo's scale and at the scales of videos `widths_px` wide (whole picture and
    face-centred crop)."""
    if isinstance(photo, Portrait):
        portrait, name = photo, "the portrait"
    else:
        from dirfa.media import image as media_image

        path = Path(photo)
        name = path.name
        portrait = face_landmarks.load_portrait(
            media_image.load_image(path), face_index=face_index, name=path.name
        )
    avatar = Avatar(name=name, levels=(_make_level(portrait),))
    for width in widths_px:
        for crop in (False, True):
            avatar.for_output(size=width, crop=crop)
    return avatar


def load_avatar(path: str | Path) -> Avatar:
    """Read a .avatar file. InputError (naming the file) for a missing, corrupt, truncated, foreign or
    future-version file; nothing in it is ever unpickled."""
    path = Path(path)
    if not path.exists():
        raise InputError(
            f"avatar {path} does not exist — check the path, or make it with: dirfa prepare PHOTO -o {path}"
        )
    if path.is_dir():
        raise InputError(f"avatar {path} is a folder — give the .avatar file inside it")
    again = f"prepare it again: dirfa prepare PHOTO -o {path}"
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{path} is too large to be a dirfa avatar — {again}")
        with np.load(path, allow_pickle=False) as data:
            if META_KEY not in data.files:
                raise InputError(
                    f"{path} is not a dirfa avatar — make one with: dirfa prepare PHOTO -o {path}"
                )
            meta = json.loads(bytes(data[META_KEY]).decode())
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise InputError(
                    f"{path} is not a dirfa avatar — make one with: dirfa prepare PHOTO -o {path}"
                )
            version = meta.get("version")
            if not isinstance(version, int) or version > FORMAT_VERSION:
                raise InputError(
                    f"{path} was made by a newer dirfa (format {version}) — update dirfa or {again}"
                )
            if meta.get("schema") != _schema_digest():
                raise InputError(f"{path} was prepared by another version of dirfa — {again}")
            arrays = _unpack(meta["arrays"], data[BLOB_KEY])
        levels = tuple(_level(_decode(item, arrays)) for item in meta["levels"])
        if not levels:
            raise ValueError("no levels")
        name = str(meta.get("name", path.name))
    except InputError:
        raise
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        IndexError,
        AttributeError,
        EOFError,
        zipfile.BadZipFile,
    ) as exc:
        log.debug("cannot read %s", path, exc_info=True)
        raise InputError(
            f"{path} is damaged or not a dirfa avatar ({type(exc).__name__}) — {again}"
        ) from None
    return Avatar(name=name, levels=levels)


def _level(fields_: object) -> AvatarLevel:
    if not isinstance(fields_, dict):
        raise ValueError("a level is not a mapping")
    portrait, rig, assets = fields_["portrait"], fields_["rig"], fields_["assets"]
    if not (
        isinstance(portrait, Portrait)
        and isinstance(rig, face_rig.Rig)
        and isinstance(assets, compose.RenderAssets)
    ):
        raise ValueError("a level has the wrong parts")
    image = portrait.image
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError("the picture is not RGB")
    if portrait.landmarks_xyz.shape != (face_landmarks.N_LANDMARKS, 3):
        raise ValueError("wrong landmarks")
    if rig.person is not None and rig.person.shape != image.shape[:2]:
        raise ValueError("person layer of the wrong size")
    if assets.background is not None and assets.background.shape != image.shape:
        raise ValueError("background of the wrong size")
    return AvatarLevel(portrait=portrait, rig=rig, assets=assets)


def _pack(arrays: Mapping[str, np.ndarray]) -> tuple[dict[str, list], np.ndarray]:
    """Arrays laid end to end in one uint8 blob; the table: key -> [dtype, shape, offset]."""
    table: dict[str, list] = {}
    offset = 0
    for key, array in arrays.items():
        table[key] = [array.dtype.str, list(array.shape), offset]
        offset += -(-array.nbytes // BLOB_ALIGN) * BLOB_ALIGN
    blob = np.zeros(offset, np.uint8)
    for key, array in arrays.items():
        start = table[key][2]
        blob[start : start + array.nbytes] = np.ascontiguousarray(array).view(np.uint8).ravel()
    return table, blob


def _unpack(table: object, blob: np.ndarray) -> dict[str, np.ndarray]:
    """The arrays of a blob (views into it), checked against its size; ValueError for a damaged table."""
    if not isinstance(table, dict) or blob.dtype != np.uint8 or blob.ndim != 1:
        raise ValueError("malformed array table")
    arrays = {}
    for key, (dtype_str, shape, offset) in table.items():
        dtype = np.dtype(dtype_str)
        if dtype.kind not in "biuf" or not all(isinstance(n, int) and n >= 0 for n in shape):
            raise ValueError("unsupported array")
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if not isinstance(offset, int) or offset < 0 or offset % BLOB_ALIGN or offset + nbytes > blob.size:
            raise ValueError("array outside the file")
        arrays[key] = blob[offset : offset + nbytes].view(dtype).reshape(shape)
    return arrays


def _encode(value: object, arrays: dict[str, np.ndarray]) -> object:
    """A JSON description of `value`, its arrays moved into `arrays` under fresh keys."""
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise TypeError("object arrays cannot be saved")
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {"a": key}
    if isinstance(value, face_rig.NeighbourMean):  # the rig's sparse neighbour matrix, in CSR form
        return {
            "csr": [
                _encode(value.data, arrays),
                _encode(value.indices, arrays),
                _encode(value.indptr, arrays),
            ],
            "shape": list(value.shape),
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if _CLASSES.get(name) is not type(value):
            raise TypeError(f"cannot save a {name}")
        return {
            "dc": name,
            "f": {f.name: _encode(getattr(value, f.name), arrays) for f in dataclasses.fields(value)},
        }
    if isinstance(value, Mapping):
        return {"d": {str(k): _encode(v, arrays) for k, v in value.items()}}
    if isinstance(value, (tuple, list)):
        return {"t": [_encode(v, arrays) for v in value]}
    if isinstance(value, (bool, np.bool_)):
        return {"v": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"v": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"v": float(value)}
    if value is None or isinstance(value, str):
        return {"v": value}
    raise TypeError(f"cannot save a {type(value).__name__}")


def _decode(item: object, arrays: Mapping[str, np.ndarray]) -> object:
    if not isinstance(item, dict) or len(item) == 0:
        raise ValueError("malformed description")
    if "a" in item:
        return arrays[item["a"]]
    if "dc" in item:
        cls = _CLASSES[item["dc"]]
        return cls(**{name: _decode(v, arrays) for name, v in item["f"].items()})
    if "d" in item:
        return {k: _decode(v, arrays) for k, v in item["d"].items()}
    if "t" in item:
        return tuple(_decode(v, arrays) for v in item["t"])
    if "v" in item:
        return item["v"]
    if "csr" in item:
        data, indices, indptr = (_decode(v, arrays) for v in item["csr"])
        return face_rig.NeighbourMean(data, indices, indptr, tuple(int(n) for n in item["shape"]))
    raise ValueError("malformed description")


def cache_folder() -> Path:
    """Where prepared photos are cached: $XDG_CACHE_HOME/dirfa/avatars (default ~/.cache/dirfa/avatars)."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "dirfa" / "avatars"


def open_avatar(
    path: str | Path,
    *,
    face_index: int = 0,
    cache: bool = True,
    widths_px: tuple[int, ...] = PREPARED_WIDTHS_PX,
) -> Avatar:
    """A .avatar file, or a photo: prepared, and cached by content hash in the user cache folder (the next
    call on the same photo and face loads the prepared file instead). cache=False neither reads nor writes
    the cache."""
    path = Path(path)
    if path.suffix.lower() == SUFFIX:
        return load_avatar(path)
    if not cache:
        return prepare(path, face_index=face_index, widths_px=widths_px)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return prepare(
            path, face_index=face_index, widths_px=widths_px
        )  # load_image says what is wrong with the path
    key = hashlib.sha256(f"{digest}:{face_index}:{_schema_digest()}".encode()).hexdigest()[:32]
    cached = cache_folder() / f"{key}{SUFFIX}"
    if cached.is_file():
        try:
            avatar = load_avatar(cached)
        except InputError as exc:
            log.info("cached avatar unusable (%s); preparing %s again", exc, path.name)
        else:
            log.info("prepared %s from the cache (%s)", path.name, cached)
            return dataclasses.replace(avatar, name=path.name)
    avatar = prepare(path, face_index=face_index, widths_px=widths_px)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        avatar.save(cached)
    except (OSError, OutputError) as exc:
        log.warning("cannot cache the prepared photo in %s (%s)", cached.parent, exc)
    return avatar
