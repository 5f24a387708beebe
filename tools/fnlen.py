"""List functions longer than a limit (default 60 lines, decorators included): python tools/fnlen.py src [LIMIT]."""

import ast
import pathlib
import sys

limit = int(sys.argv[2]) if len(sys.argv) > 2 else 60
found = []
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - first + 1
            if length > limit:
                found.append((length, f"{path}:{first} {node.name}"))
for length, where in sorted(found):
    print(length, where)
