"""Tool names: legal, at most 56 characters with their prefix, distinct ignoring case, stable."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moorings_openapi.naming import MAX_NAME_LENGTH, tool_names
from tests.openapi.call_records import operation

LEGAL = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


def test_a_name_is_the_operation_id() -> None:
    assert tool_names(
        [operation(operation_id="listPets"), operation("POST", operation_id="create-pet.v2")]
    ) == [
        "listPets",
        "create-pet.v2",
    ]


def test_without_an_operation_id_the_name_comes_from_method_and_path() -> None:
    operations = [
        operation("GET", "/pets/{petId}"),
        operation("DELETE", "/stores/{storeId}/pets/{petId}"),
        operation("GET", "/"),
    ]
    assert tool_names(operations) == ["get_pets_petId", "delete_stores_storeId_pets_petId", "get"]


def test_illegal_characters_become_underscores_and_accents_fall_away() -> None:
    operations = [
        operation(operation_id="pets/list all"),
        operation(operation_id="créerAnimal"),
        operation(operation_id="  (weird)  "),
    ]
    assert tool_names(operations) == ["pets_list_all", "creerAnimal", "weird"]


def test_an_operation_id_with_nothing_usable_falls_back_to_method_and_path() -> None:
    operations = [
        operation("GET", "/宠物", operation_id="获取宠物"),
        operation("PUT", "/pets", operation_id=""),
    ]
    assert tool_names(operations) == ["get", "put_pets"]


def test_a_long_name_is_cut_to_the_limit_with_a_hash_of_the_whole() -> None:
    stem = "retrieveTheCompleteListOfAllRegisteredPetsInTheStoreIncludingArchivedOnes"
    first, second = tool_names(
        [operation(operation_id=stem + "ByOwner"), operation(operation_id=stem + "ByDate")]
    )
    assert len(first) == len(second) == MAX_NAME_LENGTH
    assert first.startswith(stem[:40])
    assert first != second
    # The same id gives the same name on every start.
    assert tool_names([operation(operation_id=stem + "ByOwner")]) == [first]


def test_the_prefix_counts_within_the_limit() -> None:
    names = tool_names(
        [operation(operation_id="x" * 100), operation(operation_id="short")], prefix="petstore_"
    )
    assert len(names[0]) == MAX_NAME_LENGTH
    assert names[0].startswith("petstore_xxx")
    assert names[1] == "petstore_short"


@pytest.mark.parametrize("prefix", ["pet store", "p" * 45, "pets/"])
def test_a_prefix_that_is_illegal_or_leaves_too_little_room_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        tool_names([operation(operation_id="x")], prefix=prefix)


def test_collisions_get_numbered_suffixes_in_document_order() -> None:
    operations = [
        operation(operation_id="list pets"),
        operation(operation_id="list/pets"),
        operation(operation_id="list_pets"),
    ]
    assert tool_names(operations) == ["list_pets", "list_pets_2", "list_pets_3"]


def test_names_differing_only_in_case_collide() -> None:
    assert tool_names([operation(operation_id="getPets"), operation(operation_id="getpets")]) == [
        "getPets",
        "getpets_2",
    ]


def test_an_operation_really_named_with_a_suffix_keeps_its_name() -> None:
    operations = [
        operation(operation_id="find"),
        operation(operation_id="find"),
        operation(operation_id="find_2"),
    ]
    assert tool_names(operations) == ["find", "find_3", "find_2"]


def test_a_suffix_on_a_cut_name_stays_within_the_limit() -> None:
    names = tool_names([operation(operation_id="y" * 80)] * 3, prefix="api_")
    assert len(set(names)) == 3
    assert all(len(name) <= MAX_NAME_LENGTH for name in names)
    assert names[1].endswith("_2")
    assert names[2].endswith("_3")


@given(
    st.lists(st.one_of(st.none(), st.text(max_size=150)), max_size=12), st.sampled_from(["", "api_", "p.x-"])
)
def test_any_operation_ids_give_legal_distinct_stable_names(ids: list[str | None], prefix: str) -> None:
    operations = [operation("GET", f"/things/{index}", operation_id=id_) for index, id_ in enumerate(ids)]
    names = tool_names(operations, prefix=prefix)
    assert len(names) == len(operations)
    assert all(LEGAL.match(name) and len(name) <= MAX_NAME_LENGTH for name in names)
    assert all(name.startswith(prefix) for name in names)
    assert len({name.lower() for name in names}) == len(names)
    assert tool_names(operations, prefix=prefix) == names
