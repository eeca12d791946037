"""The tests mirror the package: every module has its own test file, so a reader finds the
tests of src/stockade/edge/protocol.py in tests/edge/test_protocol.py."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "stockade"
TESTS = ROOT / "tests"


def mirrored_test_files(module: Path) -> list[Path]:
    """Test files that cover `module`: test_<module>.py, test_<module>_e2e.py or any
    test_<module>_<topic>.py, in the folder of tests/ that mirrors the module's folder."""
    folder = TESTS / module.parent.relative_to(PACKAGE)
    stem = module.stem
    return sorted(
        {*folder.glob(f"test_{stem}.py"), *folder.glob(f"test_{stem}_*.py")},
    )


def modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if path.name != "__init__.py")


def test_the_package_has_modules() -> None:
    assert modules(), f"No module found under {PACKAGE}: the layout test would check nothing."


def test_every_module_has_a_test_file() -> None:
    missing = []
    for module in modules():
        if not mirrored_test_files(module):
            expected = TESTS / module.parent.relative_to(PACKAGE) / f"test_{module.stem}.py"
            missing.append(f"  {module.relative_to(ROOT)} -> write {expected.relative_to(ROOT)}")
    assert not missing, (
        f"{len(missing)} module(s) have no test file. Every module under src/stockade/ needs "
        "one in the mirrored folder of tests/ (test_<module>.py, test_<module>_e2e.py or "
        "test_<module>_<topic>.py):\n" + "\n".join(missing)
    )
