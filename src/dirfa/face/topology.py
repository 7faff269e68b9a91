"""Index sets of mediapipe's 478-point face mesh: triangles, lips, eyes, irises, brows, face oval.

Used by face.rig to know which landmark is which; the triangles come from the mesh's own tessellation.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

# Contours of mediapipe's canonical face mesh (facts of its topology, listed in its face_mesh_connections).
# "Right"/"left" are the subject's: the subject's right eye is on the image's left in an unmirrored photo.
# Lips run from the image-left corner to the image-right corner.
LIP_UPPER_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
LIP_LOWER_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
LIP_UPPER_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LIP_LOWER_INNER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
MOUTH_CORNER_RIGHT, MOUTH_CORNER_LEFT = 61, 291  # subject's right corner is on the image left

# Eyes from the image-left corner to the image-right corner, upper and lower lid edges.
EYE_RIGHT_UPPER = (33, 246, 161, 160, 159, 158, 157, 173, 133)
EYE_RIGHT_LOWER = (33, 7, 163, 144, 145, 153, 154, 155, 133)
EYE_LEFT_UPPER = (362, 398, 384, 385, 386, 387, 388, 466, 263)
EYE_LEFT_LOWER = (362, 382, 381, 380, 374, 373, 390, 249, 263)
IRIS_RIGHT = (468, 469, 470, 471, 472)  # centre first, then four points on the iris edge
IRIS_LEFT = (473, 474, 475, 476, 477)

BROW_RIGHT_INNER = (107, 66, 55, 65)
BROW_RIGHT_OUTER = (70, 63, 46, 53, 105, 52)
BROW_LEFT_INNER = (336, 296, 285, 295)
BROW_LEFT_OUTER = (300, 293, 276, 283, 334, 282)

NOSE_TIP = 1
CHIN = 152
FOREHEAD = 10


@lru_cache(maxsize=1)
def face_triangles() -> np.ndarray:
    """(852, 3) int32 triangles of the 468-point mesh, with holes at the eyes and the mouth.

    mediapipe ships the tessellation as edges; its faces are the 3-cliques of that graph, less the two
    'separating' triangles whose three edges each border three cliques (they are not faces of the surface).
    """
    from mediapipe.python.solutions.face_mesh_connections import FACEMESH_TESSELATION

    edges = {tuple(sorted(edge)) for edge in FACEMESH_TESSELATION}
    neighbours: dict[int, set[int]] = {}
    for a, b in edges:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    cliques = {tuple(sorted((a, b, c))) for a, b in edges for c in neighbours[a] & neighbours[b]}
    uses: dict[tuple[int, int], int] = {}
    for a, b, c in cliques:
        for edge in ((a, b), (a, c), (b, c)):
            uses[edge] = uses.get(edge, 0) + 1
    faces = [t for t in cliques if not all(uses[e] >= 3 for e in ((t[0], t[1]), (t[0], t[2]), (t[1], t[2])))]
    return np.array(sorted(faces), dtype=np.int32)


# The face outline as mediapipe's FACEMESH_FACE_OVAL connections chain it, from the top of the forehead.
# Written out because importing mediapipe.python.solutions (where those connections live) also imports its
# drawing helpers and matplotlib: ~1.5 s, paid by every render process for 36 numbers.
# tests/face/test_topology.py checks it against mediapipe's own table.
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip


def face_oval() -> tuple[int, ...]:
    """The 36 points of the face outline, in order around the face starting at the top of the forehead."""
    return FACE_OVAL
