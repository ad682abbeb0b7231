"""An independent SIE 4 reader: tokenises the bytes per the SIE rules and shares no code with
the writer, so a round trip through it checks the file, not the writer against itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from exports.errors import ExportError


class SieSyntaxError(ExportError):
    """The file is not well-formed SIE."""


@dataclass
class Trans:
    account: int
    objects: list[tuple[str, str]]
    amount: Decimal
    text: str


@dataclass
class Ver:
    series: str
    number: str
    date: date
    text: str
    trans: list[Trans] = field(default_factory=list)


@dataclass
class SieDocument:
    labels: dict[str, list[list[str]]] = field(default_factory=dict)
    """Every header record by label, e.g. labels['#KONTO'] = [['1910', 'Kassa'], ...]."""
    accounts: dict[int, str] = field(default_factory=dict)
    objects: dict[tuple[str, str], str] = field(default_factory=dict)
    vouchers: list[Ver] = field(default_factory=list)


def tokens(line: str) -> list[str | list[str]]:
    """Fields of one line: bare words, quoted strings (backslash escapes), `{...}` lists."""
    out: list[str | list[str]] = []
    i, n = 0, len(line)
    stack: list[list[str]] = []
    while i < n:
        c = line[i]
        if c in " \t":
            i += 1
            continue
        if c == "{":
            stack.append([])
            i += 1
            continue
        if c == "}":
            if not stack:
                raise SieSyntaxError(f"unbalanced '}}' in {line!r}")
            done = stack.pop()
            out.append(done)
            i += 1
            continue
        if c == '"':
            i += 1
            buf = []
            while True:
                if i >= n:
                    raise SieSyntaxError(f"unterminated string in {line!r}")
                if line[i] == "\\" and i + 1 < n:
                    buf.append(line[i + 1])
                    i += 2
                    continue
                if line[i] == '"':
                    i += 1
                    break
                buf.append(line[i])
                i += 1
            word = "".join(buf)
        else:
            j = i
            while j < n and line[j] not in ' \t{}"':
                j += 1
            word, i = line[i:j], j
        if stack:
            stack[-1].append(word)
        else:
            out.append(word)
    if stack:
        raise SieSyntaxError(f"unbalanced '{{' in {line!r}")
    return out


def _s(value: str | list[str]) -> str:
    if not isinstance(value, str):
        raise SieSyntaxError(f"expected a field, got a list {value!r}")
    return value


def _date(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y%m%d").date()  # noqa: DTZ007 (a calendar date)
    except ValueError:
        raise SieSyntaxError(f"not a SIE date: {text!r}") from None


def parse(content: bytes) -> SieDocument:
    """Decode per #FORMAT (PC8 = cp437) and read the header records and vouchers."""
    text = content.decode("cp437")
    if "#FORMAT PC8" not in text:
        raise SieSyntaxError("no #FORMAT PC8 record")
    doc = SieDocument()
    current: Ver | None = None
    in_block = False
    for raw in text.split("\r\n"):
        line = raw.strip()
        if not line:
            continue
        if line == "{":
            if current is None or in_block:
                raise SieSyntaxError("'{' outside a #VER")
            in_block = True
            continue
        if line == "}":
            if not in_block or current is None:
                raise SieSyntaxError("'}' without '{'")
            doc.vouchers.append(current)
            current, in_block = None, False
            continue
        fields = tokens(line)
        label = _s(fields[0])
        if in_block:
            if label != "#TRANS" or current is None:
                raise SieSyntaxError(f"unexpected {label} inside a voucher")
            objects = fields[2]
            if isinstance(objects, str):
                raise SieSyntaxError(f"#TRANS without an object list: {line!r}")
            pairs = [(objects[k], objects[k + 1]) for k in range(0, len(objects), 2)]
            current.trans.append(
                Trans(
                    int(_s(fields[1])),
                    pairs,
                    Decimal(_s(fields[3])),
                    _s(fields[5]) if len(fields) > 5 else "",
                )
            )
            continue
        if label == "#VER":
            current = Ver(_s(fields[1]), _s(fields[2]), _date(_s(fields[3])), _s(fields[4]))
            continue
        values = [_s(f) for f in fields[1:]]
        doc.labels.setdefault(label, []).append(values)
        if label == "#KONTO":
            doc.accounts[int(values[0])] = values[1]
        elif label == "#OBJEKT":
            doc.objects[(values[0], values[1])] = values[2]
    if current is not None or in_block:
        raise SieSyntaxError("the file ends inside a voucher")
    return doc
