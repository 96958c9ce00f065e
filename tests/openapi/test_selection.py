"""Which operations are offered: tag and operationId globs, --read-only, and includes that match nothing."""

from __future__ import annotations

import pytest

from moorings_openapi.operations import Operation
from moorings_openapi.selection import SelectionError, select_operations
from moorings_openapi.settings import Source

OPERATIONS = [
    Operation("GET", "/boats", "#/paths/~1boats/get", "listBoats", tags=("boats",)),
    Operation("POST", "/boats", "#/paths/~1boats/post", "createBoat", tags=("boats",)),
    Operation("DELETE", "/boats/{id}", "#/paths/~1boats~1{id}/delete", "deleteBoat", tags=("boats", "admin")),
    Operation("GET", "/berths", "#/paths/~1berths/get", "listBerths", tags=("berths",)),
    Operation("HEAD", "/health", "#/paths/~1health/head", None),
]


def chosen(**filters: object) -> list[str]:
    source = Source(spec="x.yaml", **filters)
    return [operation.operation_id or operation.label for operation in select_operations(OPERATIONS, source)]


def test_everything_by_default_in_document_order() -> None:
    assert chosen() == ["listBoats", "createBoat", "deleteBoat", "listBerths", "HEAD /health"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"include_tag": ["boats"]}, ["listBoats", "createBoat", "deleteBoat"]),
        ({"include_tag": ["b*"], "exclude_tag": ["admin"]}, ["listBoats", "createBoat", "listBerths"]),
        ({"include_operation": ["list*"]}, ["listBoats", "listBerths"]),
        ({"exclude_operation": ["*Boat", "HEAD *"]}, ["listBoats", "listBerths"]),
        ({"read_only": True}, ["listBoats", "listBerths", "HEAD /health"]),
        ({"read_only": True, "include_tag": ["boats"]}, ["listBoats"]),
    ],
)
def test_filters(filters: dict[str, object], expected: list[str]) -> None:
    assert chosen(**filters) == expected


def test_globs_are_case_sensitive_like_operation_ids() -> None:
    assert chosen(exclude_operation=["LIST*"]) == chosen()


@pytest.mark.parametrize(
    ("filters", "words"),
    [
        (
            {"include_tag": ["boat"]},
            "--include-tag 'boat' matches nothing; the document's tags: admin, berths, boats",
        ),
        ({"include_operation": ["lstBoats"]}, "--include-operation 'lstBoats' matches nothing"),
    ],
)
def test_an_include_that_matches_nothing_is_an_error(filters: dict[str, object], words: str) -> None:
    with pytest.raises(SelectionError, match=words):
        chosen(**filters)
