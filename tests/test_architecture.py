"""The house keeps its floors: no module imports from a stage above its own.

Stages, from the ground up; a part may import its own modules and those of lower stages only.
Found from the code's own imports (ast), so the picture cannot drift from it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"

STAGES = [
    {"errors", "model"},
    {"project", "style", "fonts", "messages"},
    {"sources"},
    {"compose"},
    {"display"},
    {"layout"},
    {"render", "checks", "ooxml"},
    {"proof", "docx", "draft"},
    {"review"},
    {"build"},
    {"watch"},
    {"cli"},
]
RANK = {part: floor for floor, parts in enumerate(STAGES) for part in parts}


def part_of(module: str) -> str:
    """The stage part of a dotted module inside pipeline: pipeline.layout.flow → layout."""
    return module.split(".")[1] if module.count(".") else ""


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every pipeline module the file imports, at any depth (imports inside functions count too)."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("pipeline.")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("pipeline."):
                found.add(target)
            elif target == "pipeline":
                found |= {f"pipeline.{a.name}" for a in node.names}
    return found


def test_every_part_has_a_stage() -> None:
    parts = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    assert parts <= set(RANK), f"parts without a stage: {sorted(parts - set(RANK))}"


def test_no_import_runs_up() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        src = part_of(module_name(path))
        for target in imports_of(path):
            dst = part_of(target)
            if dst and dst != src and RANK[dst] >= RANK.get(src, 0):
                upward.append(f"{module_name(path)} → {target}")
    assert not upward, "imports from a stage up or beside: " + "; ".join(upward)


def test_only_build_and_cli_orchestrate() -> None:
    """Checks and proof run no layout or render: they get what the build made."""
    for part in ("checks", "proof", "render", "layout"):
        files = [PACKAGE / f"{part}.py"] if (PACKAGE / f"{part}.py").exists() else sorted((PACKAGE / part).rglob("*.py"))
        for path in files:
            for target in imports_of(path):
                assert part_of(target) not in {"build", "cli"}, f"{module_name(path)} imports {target}"


def test_the_import_reader_sees_relative_imports() -> None:
    """The test above is only worth something if relative imports are read right."""
    found = imports_of(PACKAGE / "layout" / "__init__.py")
    assert "pipeline.layout.copyfit" in found and "pipeline.display" in found
