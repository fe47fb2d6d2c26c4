"""Every page starts by making sure it runs inside app.py (sign-in, navigation), even on a fresh server."""

import ast
from pathlib import Path

PAGES = Path(__file__).resolve().parent.parent / "pages"


def test_every_page_calls_ensure_app_before_anything_else():
    for page in sorted(PAGES.glob("*.py")):
        body = ast.parse(page.read_text(encoding="utf-8")).body
        stmts = [n for n in body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]  # docstring
        assert isinstance(stmts[0], ast.ImportFrom) and stmts[0].module == "ui.boot", page.name
        call = stmts[1]
        assert isinstance(call, ast.Expr) and ast.unparse(call) == "ensure_app()", page.name
