"""Plain data across the solution/test process boundary: exact builtin types, tagged JSON, frames.

Runs inside the sandbox (standard library only) on both sides of the boundary, and on the host in
unit tests. A value crosses only if every part of it has *exactly* one of these types (subclasses
refused, so an ``int`` subclass with a lying ``__eq__`` cannot pass): ``None``, ``bool``, ``int``,
``float``, ``complex``, ``str``, ``bytes``, ``list``, ``tuple``, ``dict``, ``set``, ``frozenset``.
JSON scalars stand for themselves (``true`` vs ``1`` and ``1.0`` vs ``1`` stay distinct); every
JSON object is a one-key tag for a container, so decoding is unambiguous and never executes
anything: no pickle, no ``eval``. Depth and frame size are bounded.
"""

import base64
import hashlib
import json
import socket
import struct
from collections.abc import Iterator
from typing import Any

MAX_DEPTH = 200
MAX_FRAME = 32 << 20
_SCALARS = (type(None), bool, int, float, str)
_TAGS: dict[type, str] = {list: "l", tuple: "t", set: "s", frozenset: "f"}
_BUILD: dict[str, Any] = {"l": list, "t": tuple, "s": set, "f": frozenset}


class NotPlainData(TypeError):
    """A value with a type outside the plain set (the solution returned something else)."""


def encode(value: Any, depth: int = 0) -> Any:
    """Turn a plain value into JSON-ready data; raise NotPlainData for anything else."""
    if depth > MAX_DEPTH:
        raise NotPlainData("value nested too deeply")
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind in _TAGS:
        return {_TAGS[kind]: [encode(v, depth + 1) for v in value]}
    if kind is dict:
        return {"d": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if kind is bytes:
        return {"b": base64.b64encode(value).decode("ascii")}
    if kind is complex:
        return {"c": [value.real, value.imag]}
    raise NotPlainData(f"not plain data: a value of type {kind.__module__}.{kind.__qualname__}")


def decode(data: Any, depth: int = 0) -> Any:
    """Inverse of ``encode``; builds fresh builtin objects, refuses anything malformed."""
    if depth > MAX_DEPTH:
        raise ValueError("value nested too deeply")
    if type(data) in _SCALARS:
        return data
    if type(data) is not dict or len(data) != 1:
        raise ValueError("malformed plain-data value")
    ((tag, body),) = data.items()
    if tag in _BUILD and type(body) is list:
        return _BUILD[tag](decode(v, depth + 1) for v in body)
    if tag == "d" and type(body) is list:
        return {decode(k, depth + 1): decode(v, depth + 1) for k, v in _pairs(body)}
    if tag == "b" and type(body) is str:
        return base64.b64decode(body, validate=True)
    if tag == "c" and type(body) is list and len(body) == 2:
        return complex(float(body[0]), float(body[1]))
    raise ValueError(f"unknown plain-data tag {tag!r}")


def digest(value: Any) -> str:
    """The same hex digest for values a comparison with a 1e-9 relative tolerance calls equal,
    almost always: sets and dicts in sorted order, floats to 10 significant digits (two floats
    that round apart across a digit boundary differ). Stands in for an output too long to send
    whole (differential testing)."""
    return text_digest(canonical(value))


def text_digest(text: str) -> str:
    """``digest`` of a value whose ``canonical`` text is already at hand."""
    return hashlib.sha256(text.encode()).hexdigest()


def canonical(value: Any) -> str:
    """``digest``'s text of a plain value; its length decides whether a value is sent whole."""
    kind = type(value)
    if kind is float:
        return "f" + format(value, ".10g")
    if kind is complex:
        return "c" + canonical(value.real) + canonical(value.imag)
    if kind in (list, tuple):
        return kind.__name__[0] + "[" + ",".join(canonical(v) for v in value) + "]"
    if kind in (set, frozenset):
        return kind.__name__[0] + "{" + ",".join(sorted(canonical(v) for v in value)) + "}"
    if kind is dict:
        items = sorted(canonical(k) + ":" + canonical(v) for k, v in value.items())
        return "d{" + ",".join(items) + "}"
    return kind.__name__ + repr(value)


def _pairs(body: list[Any]) -> Iterator[list[Any]]:
    for pair in body:
        if type(pair) is not list or len(pair) != 2:
            raise ValueError("malformed dict item")
        yield pair


def send_msg(sock: socket.socket, obj: Any) -> None:
    body = json.dumps(obj).encode()
    sock.sendall(struct.pack(">I", len(body)) + body)


def recv_msg(sock: socket.socket) -> Any:
    """One message, or None when the peer is gone; ValueError for an oversized frame.

    A socket timeout propagates (``TimeoutError``): the caller decides what a slow peer means.
    """
    head = _recv_exact(sock, 4)
    if head is None:
        return None
    (size,) = struct.unpack(">I", head)
    if size > MAX_FRAME:
        raise ValueError(f"oversized frame ({size} bytes)")
    body = _recv_exact(sock, size)
    return None if body is None else json.loads(body)


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        try:
            part = sock.recv(n - len(buf))
        except ConnectionResetError:
            return None
        if not part:
            return None
        buf += part
    return bytes(buf)
