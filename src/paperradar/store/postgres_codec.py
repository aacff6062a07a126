"""Values between Python and PostgreSQL: text without NUL characters, JSON,
pgvector's binary form, and binary COPY streams.

PostgreSQL's text and jsonb cannot hold the NUL character, which SQLite
stores; it becomes U+FFFD (the replacement character) on the way in.
"""

from __future__ import annotations

import struct
import sys
from array import array
from typing import Any, Iterable, Iterator

import orjson

NUL = "\x00"
REPLACEMENT = "\ufffd"
#: pgvector's limit on a vector's dimensions.
MAX_DIM = 16_000

_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_COPY_TRAILER = struct.pack("!h", -1)
_NULL_FIELD = struct.pack("!i", -1)


def pg_text(value: str | None) -> str | None:
    """Text PostgreSQL can hold (NUL replaced)."""
    if value is not None and NUL in value:
        return value.replace(NUL, REPLACEMENT)
    return value


def _without_nul(obj: Any) -> Any:
    if isinstance(obj, str):
        return pg_text(obj)
    if isinstance(obj, dict):
        return {pg_text(k): _without_nul(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_without_nul(v) for v in obj]
    return obj


def pg_json(obj: Any) -> str:
    """JSON text for a jsonb column (NUL replaced; jsonb refuses ``\\u0000``)."""
    data = orjson.dumps(obj)
    if b"\\u0000" in data:
        data = orjson.dumps(_without_nul(obj))
    return data.decode()


def json_bytes(value: Any) -> Any:
    """A JSON value read from SQLite (bytes or text) as a Python object."""
    return orjson.loads(value) if isinstance(value, (bytes, str)) else value


def _finite(values: array) -> bool:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy comes with [embed]
        return all(v - v == 0 for v in values)
    return bool(np.isfinite(np.frombuffer(values, dtype=np.float32)).all())


def vector_to_pg(blob: bytes) -> bytes | None:
    """pgvector's binary form of little-endian float32 bytes, or None when
    pgvector cannot hold them (no or too many dimensions, NaN or infinity)."""
    if not blob or len(blob) % 4 or len(blob) // 4 > MAX_DIM:
        return None
    values = array("f")
    values.frombytes(blob)
    if sys.byteorder == "big":  # pragma: no cover
        values.byteswap()
    if not _finite(values):
        return None
    if sys.byteorder == "little":
        values.byteswap()
    return struct.pack("!hh", len(values), 0) + values.tobytes()


def vector_from_pg(data: bytes | memoryview) -> bytes:
    """Little-endian float32 bytes from pgvector's binary form."""
    values = array("f")
    values.frombytes(bytes(data[4:]))
    if sys.byteorder == "little":
        values.byteswap()
    return values.tobytes()


def vector_literal(vector: Any) -> str:
    """pgvector's text form of a query vector (a sequence of floats)."""
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"


def binary_copy_chunks(rows: Iterable[tuple[bytes | None, ...]], per_chunk: int = 2000) -> Iterator[bytes]:
    """A binary COPY stream, in pieces, of rows whose fields are already in binary form."""
    parts = [_COPY_HEADER]
    for n, row in enumerate(rows, 1):
        parts.append(struct.pack("!h", len(row)))
        for value in row:
            if value is None:
                parts.append(_NULL_FIELD)
            else:
                parts.append(struct.pack("!i", len(value)))
                parts.append(value)
        if n % per_chunk == 0:
            yield b"".join(parts)
            parts = []
    parts.append(_COPY_TRAILER)
    yield b"".join(parts)


def binary_copy(rows: Iterable[tuple[bytes | None, ...]]) -> bytes:
    """A binary COPY stream of rows whose fields are already in binary form."""
    return b"".join(binary_copy_chunks(rows))


def register_vector_loader(conn, oid: int) -> None:
    """Read pgvector values of binary results as little-endian float32 bytes."""
    from psycopg.adapt import Loader
    from psycopg.pq import Format

    class VectorLoader(Loader):
        format = Format.BINARY

        def load(self, data):
            return vector_from_pg(data)

    conn.adapters.register_loader(oid, VectorLoader)
