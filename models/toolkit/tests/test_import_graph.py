"""issue #27 item 7: the toolkit's modules import each other in one direction only. Every import counts,
function-local ones too (an import inside a function is still a dependency, and the export ↔ text_graph ↔
text_q8 cycle hid in one), so the check reads the source instead of watching sys.modules."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "medcap_toolkit"


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    modules = {module_name(p, package): p for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        base = name.split(".") if is_package else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    stem = base[: len(base) - (node.level - 1)]
                    target = ".".join(stem + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                targets = [target] + [f"{target}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for t in targets:
                if t in modules and t != name:
                    graph[name].add(t)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                found.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return found


def test_the_toolkit_has_no_import_cycle():
    assert cycles(import_graph()) == []


def test_the_check_sees_function_local_imports(tmp_path):
    pkg = tmp_path / "medcap_toolkit"
    (pkg / "quantize").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "quantize" / "__init__.py").write_text("")
    (pkg / "quantize" / "a.py").write_text("def f():\n    from .b import g\n")
    (pkg / "quantize" / "b.py").write_text("from .a import f\n")
    assert cycles(import_graph(pkg)) == [["medcap_toolkit.quantize.a", "medcap_toolkit.quantize.b", "medcap_toolkit.quantize.a"]]
