# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Blanc from Python: replay NASDAQ TotalView-ITCH 5.0 days into order books, and read
the per-message output of ``blanc replay --emit`` (LOBSTER's rows too) as pandas DataFrames.

    >>> import blanc
    >>> day = blanc.replay("data/sample-day.itch.zst", symbols=["ONZ"])
    >>> day.digests["l3"]                      # as `blanc replay --json` prints it
    >>> day.book("ONZ")                        # side, price, shares, orders
    >>> bbo = blanc.emit("data/sample-day.itch.zst", "bbo")
    >>> lob = blanc.emit("data/sample-day.itch.zst", "lobster", symbols=["ONZ"], depth=10)

Prices are integer ticks of 1e-4 dollars and timestamps ns since midnight, as everywhere
in Blanc. Errors raise subclasses of :class:`blanc.Error`, one per library code and named
as in C (``BLANC_ENOTITCH`` is :class:`blanc.ENOTITCH`). docs/PYTHON.md has a walk-through.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Sequence, Union

if TYPE_CHECKING:  # pandas is imported when a DataFrame is made: `import blanc` stays
    import pandas as pd  # quick for what needs none (blanc.manifest, the Slurm merge)

from . import _blanc
from ._blanc import Error  # noqa: F401  (re-exported)


def _pandas():
    import pandas
    return pandas


__all__ = ["replay", "emit", "Replay", "Error", "EMIT_KINDS", "lobster_columns",
           "version"]

# blanc.EOPEN, blanc.ENOTITCH, ... : every code of the library's list.
for _name in dir(_blanc):
    if _name.startswith("E") and _name[1:].isupper():
        globals()[_name] = getattr(_blanc, _name)
        __all__.append(_name)
del _name

__version__ = _blanc.version()
PathLike = Union[str, "os.PathLike[str]"]
Cut = Union[int, str]

#: The kinds blanc.emit writes, with their columns (docs/EMIT.md "csv"); with health
#: (the default, as in the CLI) every kind gets a last column ``pub``. ``lobster``'s
#: columns go on with ask_price_k, ask_size_k, bid_price_k, bid_size_k for k = 1 .. depth
#: (see :func:`lobster_columns`).
EMIT_KINDS: Dict[str, List[str]] = {
    "bbo": ["index", "ts", "symbol", "locate", "bid_price", "bid_shares", "bid_orders",
            "ask_price", "ask_shares", "ask_orders"],
    "l2": ["index", "ts", "symbol", "locate", "side", "price", "shares", "orders"],
    "l3": ["index", "ts", "symbol", "locate", "op", "ref", "side", "price", "shares"],
    "trades": ["index", "ts", "symbol", "locate", "type", "ref", "side", "price", "shares",
               "match"],
    "lobster": ["symbol", "time", "ts", "type", "order_id", "size", "price", "direction"],
}


def lobster_columns(depth: int) -> List[str]:
    """The columns of ``emit(path, "lobster", depth=depth)``: the message file's
    (``time``, ``type``, ``order_id``, ``size``, ``price``, ``direction``, with ``symbol``
    first and the integer ``ts`` beside ``time``), then the orderbook file's in its order:
    ``ask_price_1, ask_size_1, bid_price_1, bid_size_1, ask_price_2, ...``."""
    return EMIT_KINDS["lobster"] + ["%s_%d" % (c, k) for k in range(1, depth + 1)
                                    for c in ("ask_price", "ask_size", "bid_price",
                                              "bid_size")]


def version() -> str:
    """The library's version string, e.g. ``"0.1.0"``."""
    return _blanc.version()


class Replay:
    """The books and counters of one replay, at its end or at one ``at=`` cut.

    ``messages``: messages replayed (frames seen, valid or not). ``digests``: the l3, l2,
    stream and input digests as 16 hex digits, as ``blanc replay --json`` prints them
    (at a cut, the input digest is of the bytes read up to it, as a snapshot records).
    ``anomalies``: per kind, ``{"count", "first_offset", "first_index"}`` for kinds seen.
    ``at``: the cut this state was taken at (None at the end). ``health``: with
    ``replay(..., health=True)``, the final feed health (``state``, ``worst``,
    ``published``, ``gated``, ``transitions``, as in ``blanc replay --json``), else None.
    ``threads``: the book threads asked for, or the count chosen for ``threads=None``
    (``threads.requested`` of ``blanc replay --json``); a replay with ``strict=True``
    keeps its books on one whatever the count.
    """

    def __init__(self, state: "_blanc.State", depth: Optional[int],
                 symbols: Optional[Sequence[str]], at: Optional[Cut] = None):
        self._s = state
        self._depth = depth
        self._want = [s.strip().upper() for s in symbols] if symbols is not None else None
        self.at = at
        self.messages: int = state.messages()
        self.digests: Dict[str, str] = state.digests()
        st = state.stats()
        self.anomalies: Dict[str, Dict[str, int]] = st.pop("anomalies")
        self.stats: Dict[str, int] = st
        self.health: Optional[Dict[str, object]] = state.health()
        self.threads: int = state.threads()

    def __repr__(self) -> str:
        where = "end" if self.at is None else "at=%r" % (self.at,)
        return "<blanc.Replay %s: %d messages, l3 %s>" % (where, self.messages,
                                                          self.digests["l3"])

    def symbols(self) -> List[str]:
        """Symbols of the stock directory in ascending order (those of ``symbols=`` that
        it lists, if given)."""
        have = self._s.symbols()
        if self._want is None:
            return have
        known = set(have)
        return [s for s in self._want if s in known]

    def book(self, symbol: str, depth: Optional[int] = None) -> pd.DataFrame:
        """One instrument's price levels: columns side ('B'/'S'), price, shares, orders;
        bids best first, then asks best first. ``depth`` levels per side (default: the
        replay's ``depth``; 0 or None there: every level). Unknown symbol: blanc.ENOTFOUND."""
        d = self._depth if depth is None else depth
        side, price, shares, orders = self._s.levels(symbol, int(d or 0))
        return _pandas().DataFrame({"side": side, "price": price, "shares": shares,
                             "orders": orders})

    def books(self, depth: Optional[int] = None) -> Dict[str, pd.DataFrame]:
        """``book()`` of every symbol of ``symbols()``."""
        return {s: self.book(s, depth) for s in self.symbols()}

    def orders(self, symbol: str) -> pd.DataFrame:
        """One instrument's live orders in queue order: columns side, price, position
        (0-based place in its level's queue), ref, shares; bid levels best first, then
        asks, each level in time priority. Unknown symbol: blanc.ENOTFOUND."""
        side, price, position, ref, shares = self._s.orders(symbol)
        return _pandas().DataFrame({"side": side, "price": price, "position": position, "ref": ref,
                             "shares": shares})


def replay(path: PathLike, *, symbols: Optional[Sequence[str]] = None,
           depth: Optional[int] = 5, strict: bool = False,
           at: Optional[Sequence[Cut]] = None, health: bool = False,
           threads: Optional[int] = None) -> Union[Replay, List[Replay]]:
    """Replay a day (BinaryFILE plain, .gz or .zst, or a capture: chosen by content, as
    ``blanc replay`` does) and return its final :class:`Replay`.

    ``symbols``: the instruments ``symbols()`` and ``books()`` report (default all);
    ``depth``: levels per side of ``book()`` (0 or None: all); ``strict``: raise
    blanc.ESTRICT at the first anomaly (otherwise anomalies are counted, as in the CLI).
    ``at``: message indexes (the state after exactly N messages) and feed times
    ``"HH:MM:SS[.fraction]"`` (after every message stamped at or before it), as
    ``--snapshot-at`` takes them: then a list of states, one per cut in the order
    given. An index past the end raises blanc.ECUTPAST. ``health``: track feed health
    with the default configuration, as the CLI does (end state only). ``threads``: keep
    the books on N threads (``--threads N``, 1 to 64), with ``at=`` too; None (the
    default) or 0: as many as the CLI's default ``--threads`` takes, one per CPU this
    process may use less one for a compressed file's inflate thread (at least one).
    :attr:`Replay.threads` says what was chosen. The results are the same for every
    count. The GIL is released while the replay runs.
    """
    p = os.fspath(path)
    if at is None:
        return Replay(_blanc._replay(p, strict, health=health, threads=threads), depth,
                      symbols)
    cuts = list(at)
    states = _blanc._replay(p, strict, cuts, threads=threads)
    return [Replay(s, depth, symbols, c) for s, c in zip(states, cuts)]


def _frame(cols: List[str], arrays: Optional[dict]) -> pd.DataFrame:
    if arrays is None:
        return _pandas().DataFrame({c: _pandas().Series([], dtype="float64" if c == "time" else
                                          object if c == "symbol" else "int64")
                             for c in cols})
    return _pandas().DataFrame(arrays, copy=False)


def emit(path: PathLike, kind: str, *, symbols: Optional[Sequence[str]] = None,
         depth: Optional[int] = 5, chunksize: Optional[int] = None, health: bool = True,
         strict: bool = False, start: Optional[Cut] = None,
         end: Optional[Cut] = None) -> Union[pd.DataFrame, Iterator[pd.DataFrame]]:
    """The per-message records of ``blanc replay PATH --emit KIND`` (docs/EMIT.md) as a
    DataFrame with the CSV's columns and values: what ``pandas.read_csv`` of the CSV
    gives (integers int64, symbols and letter codes str, an empty field NaN).

    ``kind``: bbo, l2, l3, trades or lobster (see :data:`EMIT_KINDS`). ``symbols``: only these
    instruments. ``depth``: for l2, follow the top N levels per side (0 or None: every
    level, the CLI's default without ``--depth``). ``health``: track feed health as the
    CLI does by default, adding the ``pub`` column (False: as ``--no-health``).
    ``chunksize``: an iterator of DataFrames of that many rows (the last may be
    shorter), so that a whole day need not be held at once. The columns are filled in C
    from the emitter's binary records, never from text; the GIL is released while the
    replay runs.

    ``kind="lobster"``: the rows of ``blanc replay PATH --emit lobster --symbol S...
    --depth N [--from START --to END]`` (docs/EMIT.md "LOBSTER"), every symbol's in one
    frame in feed order, with the columns of :func:`lobster_columns`: ``symbol``;
    ``time``, seconds after midnight as float64 (the message file's Time as
    ``read_csv`` reads it); ``ts``, the same instant as int64 ns (exact); ``type``,
    ``order_id``, ``size``, ``price``, ``direction`` (the message file); then the book
    after the row (the orderbook file: ``ask_price_1, ask_size_1, bid_price_1,
    bid_size_1, ...``), all int64. ``symbols`` is required (1 to 256) and ``depth`` is
    1 to 1000 (default 5; None or 0: blanc.EINVAL). ``start``/``end``: the feed-time window
    [start, end) of rows, ``"HH:MM:SS[.fraction]"`` or int ns (default 09:30:00 to
    16:00:00; the book is always rebuilt from the start of the file). ``health`` does
    not apply (rows do not depend on it); the CLI's ``--date`` only names its files.
    """
    p = os.fspath(path)
    if chunksize is not None and (not isinstance(chunksize, int) or chunksize <= 0):
        raise ValueError("chunksize is a positive int")
    if isinstance(symbols, str):
        raise TypeError("symbols is a list of str, not one str")
    if symbols is not None:  # as the CLI takes --symbol: trimmed, upper case
        symbols = [s.strip().upper() for s in symbols]
    if kind == "lobster":
        stream = _blanc._lobster(p, symbols if symbols is not None else [], int(depth or 0),
                                 start=start, end=end, strict=strict)
    else:
        if start is not None or end is not None:
            raise ValueError("start and end apply to kind='lobster'")
        d = int(depth or 0) if kind == "l2" else 0
        stream = _blanc._emit(p, kind, symbols=symbols, depth=d, health=health,
                              strict=strict)
    cols = stream.columns()
    if chunksize is None:
        return _frame(cols, stream.read(-1))

    def chunks() -> Iterator[pd.DataFrame]:
        while True:
            arrays = stream.read(chunksize)
            if arrays is None:
                return
            yield _frame(cols, arrays)
    return chunks()
