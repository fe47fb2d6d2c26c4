"""The package's shape (docs/architecture.md): wings along the data's way, arrows only downward, no import circles.

Every import of a txip_geo module -- at the top of a module or inside a function -- is read from the source with ast.
A wing may import the foundation and the wings before it, never one after it; no two modules import each other,
directly or round a circle. No Streamlit in the package."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "txip_geo"

# The order of the wings: a module may import its own wing and the ones before it.
ORDER = ["foundation", "areas", "locate", "ingest", "store", "figures", "present", "render", "cli"]
FOUNDATION = {"paths", "strings", "schema", "rules", "plan", "errors", "__init__"}
TOP = {"cli", "__main__"}


def wing(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 2 or parts[1] == "__init__":
        name = parts[1]
        if name in FOUNDATION:
            return "foundation"
        if name in TOP:
            return "cli"
        return name  # a wing package itself
    return parts[1]


def modules() -> dict[str, Path]:
    out = {}
    for p in sorted(PKG.rglob("*.py")):
        rel = p.relative_to(PKG.parent).with_suffix("")
        name = ".".join(rel.parts)
        out[name.removesuffix(".__init__")] = p
    return out


def imports_of(name: str, path: Path) -> set[str]:
    """The txip_geo modules `name` imports (a `from pkg import mod` counts as importing pkg.mod when that is one)."""
    known = modules()
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("txip_geo")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("txip_geo"):
            assert node.level == 0, f"{name}: relative import"
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.add(sub if sub in known else node.module)
    return {m for m in out if m != name and m != "txip_geo"}


def graph() -> dict[str, set[str]]:
    return {n: imports_of(n, p) for n, p in modules().items()}


def test_every_module_is_in_a_known_wing():
    for name in modules():
        if name != "txip_geo":
            assert wing(name) in ORDER, f"{name} is in no wing: add it to docs/architecture.md and ORDER"


def test_arrows_point_only_downward():
    bad = []
    for src, targets in graph().items():
        if src == "txip_geo":
            continue
        for dst in targets:
            if ORDER.index(wing(dst)) > ORDER.index(wing(src)):
                bad.append(f"{src} ({wing(src)}) imports {dst} ({wing(dst)})")
    assert not bad, "upward arrows:\n" + "\n".join(sorted(bad))


def test_no_import_circles():
    g = graph()
    seen, stack, circles = set(), [], []

    def visit(n):
        if n in stack:
            circles.append(" → ".join(stack[stack.index(n) :] + [n]))
            return
        if n in seen:
            return
        seen.add(n)
        stack.append(n)
        for m in sorted(g.get(n, ())):
            visit(m)
        stack.pop()

    for n in sorted(g):
        visit(n)
    assert not circles, "import circles:\n" + "\n".join(circles)


def test_no_streamlit_in_the_package():
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n.split(".")[0] == "streamlit" for n in names), f"{name} imports streamlit"


@pytest.mark.parametrize("name", sorted(modules()))
def test_a_long_module_says_why(name):
    """No module over ~500 lines without a reason written at its top (a line starting 'Length:' in its docstring)."""
    path = modules()[name]
    lines = path.read_text(encoding="utf-8").count("\n")
    if lines > 520:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert "Length:" in doc, f"{name} has {lines} lines and no 'Length:' reason in its docstring"


# -- Chinese text lives in data/, not in code ------------------------------------------------------------------------
# Every Chinese text the app shows is in data/strings_zh.toml (read with strings.t), the words the parsers read are in
# data/*.toml; code is keyed by identifiers. So no string literal in the app's code holds a Chinese character, except
# documentation (docstrings, and schema's `doc=`, which scripts/make_templates.py writes into docs/data-model.md:
# English that quotes the values users write) and the few literals below, each with its reason.
CODE_DIRS = ("app.py", "pages", "ui", "txip_geo")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
CJK_ALLOWED = {
    # (file, a piece of the literal): why it stays code
    ("txip_geo/ingest/parse.py", "[-/.年]"): "the date patterns: 年/月/日 are a date's syntax (2024年3月5日) as '-' is "
    "(2024-03-05), in the same regular expression",
}


def code_files() -> list[Path]:
    root = PKG.parent
    out = []
    for name in CODE_DIRS:
        p = root / name
        out += [p] if p.is_file() else sorted(p.rglob("*.py"))
    return out


def documentation(tree: ast.AST) -> set[int]:
    """The ids of the string constants that are documentation: docstrings and `doc=` keyword values."""
    docs = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docs.add(id(first.value))
        elif isinstance(node, ast.keyword) and node.arg == "doc" and isinstance(node.value, ast.Constant):
            docs.add(id(node.value))
    return docs


def cjk_literals() -> list[tuple[str, int, str]]:
    """(file, line, literal) of every string literal holding a Chinese character, documentation aside."""
    out = []
    for path in code_files():
        rel = path.relative_to(PKG.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = documentation(tree)
        for node in ast.walk(tree):
            literal = isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
            if literal and HAN.search(node.value):
                out.append((rel, node.lineno, node.value))
    return out


def test_no_chinese_literals_in_code():
    found = cjk_literals()
    bad = [
        f"{f}:{line}: {text!r}"
        for f, line, text in found
        if not any(f == af and piece in text for af, piece in CJK_ALLOWED)
    ]
    assert not bad, (
        "Chinese text in code: put what the app shows in data/strings_zh.toml (read it with txip_geo.strings.t) and "
        "the words a parser reads in data/*.toml; key code by identifiers.\n" + "\n".join(sorted(bad))
    )
    unused = [k for k in CJK_ALLOWED if not any(f == k[0] and k[1] in text for f, _, text in found)]
    assert not unused, f"CJK_ALLOWED entries that allow nothing any more (remove them): {unused}"


def test_the_chinese_literal_check_finds_one(tmp_path, monkeypatch):
    """The check above sees a literal in an f-string and in a call, and leaves docstrings and `doc=` alone."""
    src = 'def f(x):\n    """黄桥镇 in a docstring."""\n    g(doc="示意")\n    return f"{x}：镇街" + t("a", s="合计")\n'
    tree = ast.parse(src)
    docs = documentation(tree)
    found = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    flagged = sorted(
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and id(n) not in docs and HAN.search(str(n.value))
    )
    assert len(found) == 5 and flagged == ["合计", "：镇街"]
