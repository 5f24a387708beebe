"""Module and function sizes, decorators counted: python tools/sizes.py [src/walkrun].

Prints the totals and every module over 500 lines and function over 60 (the limits tests/test_shape.py keeps).
"""

import ast
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src/walkrun")
modules, functions = [], []
for path in sorted(root.rglob("*.py")):
    text = path.read_text()
    name = str(path.relative_to(root))
    modules.append((len(text.splitlines()), name))
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            functions.append(((node.end_lineno or node.lineno) - first + 1, f"{name}:{node.name}"))
modules.sort(reverse=True)
functions.sort(reverse=True)
big_modules = sum(n > 500 for n, _ in modules)
long_functions = sum(n > 60 for n, _ in functions)
print(f"modules: {len(modules)}, largest {modules[0][0]} lines ({modules[0][1]}), over 500: {big_modules}")
print(f"functions: {len(functions)}, longest {functions[0][0]} lines ({functions[0][1]}), over 60: {long_functions}")
for lines, where in modules + functions:
    if lines > (500 if where.endswith(".py") else 60):
        print(f"  {lines:5} {where}")
