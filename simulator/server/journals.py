"""Journals v3 `GET /journal-entries`: one register per call, cursor paging through `next`.

The cursor is opaque to clients (base64 of a small JSON keyset position plus the original
filters), so paging is stable while new entries arrive. Filters need not be repeated with
`next`; if they are, the cursor's copy wins (sitoo-api-zreports-journals.md §4.2, §4.7).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from typing import Any

from simulator.config import ApiConfig
from simulator.server.errors import bad_request, not_found
from simulator.server.http import Request, Response
from simulator.server.query import check_known_params, int_param, str_list, str_param
from simulator.world import JournalRec, World

PARAMS = ("register_id", "date_from", "date_to", "date_type", "sort_order", "type", "num", "next")


def encode_cursor(state: dict[str, Any]) -> str:
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> dict[str, Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error):
        raise bad_request(f"Invalid value for parameter 'next': {token[:40]!r}") from None
    if not isinstance(state, dict) or "r" not in state or "k" not in state:
        raise bad_request("Invalid value for parameter 'next'")
    return state


def _key(rec: JournalRec, date_type: str) -> tuple[int, int]:
    return ((rec.dateadded if date_type == "added" else rec.datecreated), rec.id)


class JournalsApi:
    def __init__(self, world: World, api: ApiConfig) -> None:
        self.world = world
        self.api = api

    def journal_entries(self, req: Request) -> Response:
        q = req.query
        check_known_params(q, PARAMS, self.api.unknown_params)
        num = int_param(q, "num", 10, minimum=1)
        num = min(num, self.api.journal_max_num)
        token = str_param(q, "next")
        if token:
            state = decode_cursor(token)
        else:
            register = str_param(q, "register_id")
            if not register:
                raise bad_request("Missing required parameter 'register_id'")
            date_type = str_param(q, "date_type", "created")
            if date_type not in ("created", "added"):
                raise bad_request(
                    f"Invalid value {date_type!r} for parameter 'date_type': "
                    "expected created or added"
                )
            order = str_param(q, "sort_order", "asc").lower()
            if order not in ("asc", "desc"):
                raise bad_request(
                    f"Invalid value {order!r} for parameter 'sort_order': expected asc or desc"
                )
            state = {
                "r": register,
                "t": date_type,
                "o": order,
                "k": None,
                "f": int_param(q, "date_from"),
                "u": int_param(q, "date_to"),
                "y": str_list(q, "type"),
            }
        registerid = str(state["r"]).upper()
        if not registerid.startswith("{"):
            registerid = "{" + registerid + "}"
        log = self.world.journals.get(registerid)
        if log is None:
            raise not_found(f"Register {state['r']} not found")
        date_type = state["t"]
        view = log.sorted_by(date_type)
        keys = [_key(r, date_type) for r in view]
        low, high = state.get("f"), state.get("u")
        first = 0 if low is None else bisect.bisect_left(keys, (low, -1))
        last = len(view) if high is None else bisect.bisect_right(keys, (high, 1 << 62))
        position = state.get("k")
        types = state.get("y")
        items: list[JournalRec] = []
        if state["o"] == "asc":
            start = (
                first
                if position is None
                else max(first, bisect.bisect_right(keys, tuple(position)))
            )
            index = start
            while index < last and len(items) <= num:
                rec = view[index]
                if types is None or rec.type in types:
                    items.append(rec)
                index += 1
        else:
            end = last if position is None else min(last, bisect.bisect_left(keys, tuple(position)))
            index = end - 1
            while index >= first and len(items) <= num:
                rec = view[index]
                if types is None or rec.type in types:
                    items.append(rec)
                index -= 1
        more = len(items) > num
        items = items[:num]
        next_token = None
        if more:
            state = {**state, "k": list(_key(items[-1], date_type))}
            next_token = encode_cursor(state)
        body = (
            b'{"items":['
            + b",".join(r.body for r in items)
            + b'],"next":'
            + (json.dumps(next_token).encode())
            + b"}"
        )
        return Response(200, body)
