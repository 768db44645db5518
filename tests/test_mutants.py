"""The mutation check's seeded defects still apply to the code (tools/mutants.py).

`make mutants` refuses a mutant whose text no longer occurs exactly once; this
catches that drift in `make test`, before the slower mutation run.
"""

from __future__ import annotations

import pytest

from tests.toolchain import REPO
from tools.mutants import MUTANTS, Edit, Mutant


@pytest.mark.parametrize(
    ("mutant", "edit"),
    [(mutant, edit) for mutant in MUTANTS for edit in mutant.edits],
    ids=[f"{mutant.name} / {edit.path}" for mutant in MUTANTS for edit in mutant.edits],
)
def test_each_seeded_defect_edits_text_that_occurs_once(mutant: Mutant, edit: Edit) -> None:
    text = (REPO / edit.path).read_text()
    assert text.count(edit.old) == 1, f"{mutant.name}: update its edit of {edit.path}"
    assert edit.new != edit.old
