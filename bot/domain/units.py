"""What kind of unit a name denotes; kinds come from the names in the data."""

from __future__ import annotations

from bot.domain.text import fold

# Leading words of unit names, longest first; the kind is how the name itself calls the unit.
_KINDS = (
    "Đảng bộ tỉnh",
    "Đảng bộ thành phố",
    "Đảng bộ xã",
    "Đảng bộ phường",
    "Đảng bộ đặc khu",
    "Đảng bộ",
    "Đảng ủy",
    "Chi bộ",
    "Tổ đảng",
    "Cụm",
)


def unit_kind(name: str) -> str:
    """The kind of a unit read from its name ("Chi bộ xóm 9" → "chi bộ"), else "đơn vị"."""
    folded = fold(name)
    for kind in _KINDS:
        key = fold(kind)
        if folded == key or folded.startswith(key + " "):
            return kind.lower()
    return "đơn vị"
