"""docs/rules.md is the reference: every field of the standard scheme (with its type),
every function and every operator has its row, and the examples there compile."""

from __future__ import annotations

import re

from stockade.rules import FUNCTIONS, STANDARD_SCHEME, compile
from stockade.rules.ast import Operator
from tests.test_docs import DOCS, cells_of, section, table_rows

RULES_DOC = DOCS / "rules.md"


def rows_under(title: str) -> dict[str, str]:
    body = section(RULES_DOC.read_text(encoding="utf-8"), title)
    assert body is not None, f"docs/rules.md has no '## {title}' section."
    return table_rows(body)


def test_every_field_is_documented_with_its_type() -> None:
    rows = rows_under("Fields")
    problems = []
    for field in STANDARD_SCHEME:
        row = rows.get(field.name)
        if row is None:
            problems.append(f"The field {field.name} has no row in the table under '## Fields'.")
        elif cells_of(row)[1] != str(field.type):
            problems.append(
                f"The row of {field.name} gives the type {cells_of(row)[1]}, not {field.type}."
            )
    assert not problems, "\n".join(problems)


def test_every_function_is_documented_with_an_example_that_compiles() -> None:
    rows = rows_under("Functions")
    missing = [name for name in FUNCTIONS if name not in rows]
    assert not missing, f"Functions missing from '## Functions' in docs/rules.md: {missing}."
    for name in FUNCTIONS:
        compile(_example(rows[name]))


def test_every_operator_is_documented_with_an_example_that_compiles() -> None:
    rows = rows_under("Operators")
    missing = [operator.value for operator in Operator if operator.value not in rows]
    assert not missing, f"Operators missing from '## Operators' in docs/rules.md: {missing}."
    for operator in Operator:
        compile(_example(rows[operator.value]))


def _example(row: str) -> str:
    """The code span of the row's last cell."""
    found = re.findall(r"`([^`]+)`", cells_of(row)[-1])
    assert found, f"This row has no example in its last cell: {row}"
    return found[-1]
