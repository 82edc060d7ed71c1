"""The player's scripts are ES5: the browsers built into TVs run nothing newer.

esprima parses up to ES2017, so the check walks its tree and accepts only what
ECMAScript 5.1 has (ESTree's ES5 node types, ``var`` declarations, plain properties
and parameters, ``gim`` regex flags). The player script also avoids ES2015+ built-ins
(the service worker runs only where they exist).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import esprima
import pytest

PLAYER_DIR = Path(__file__).parents[2] / "src" / "expotv" / "ui" / "player"
PLAYER_JS = PLAYER_DIR / "static" / "player.js"
SERVICE_WORKER_JS = PLAYER_DIR / "sw.js"

ES5_NODES = {
    "Program",
    "ExpressionStatement",
    "BlockStatement",
    "EmptyStatement",
    "DebuggerStatement",
    "WithStatement",
    "ReturnStatement",
    "LabeledStatement",
    "BreakStatement",
    "ContinueStatement",
    "IfStatement",
    "SwitchStatement",
    "SwitchCase",
    "ThrowStatement",
    "TryStatement",
    "CatchClause",
    "WhileStatement",
    "DoWhileStatement",
    "ForStatement",
    "ForInStatement",
    "FunctionDeclaration",
    "FunctionExpression",
    "VariableDeclaration",
    "VariableDeclarator",
    "Identifier",
    "Literal",
    "ThisExpression",
    "ArrayExpression",
    "ObjectExpression",
    "Property",
    "UnaryExpression",
    "UpdateExpression",
    "BinaryExpression",
    "AssignmentExpression",
    "LogicalExpression",
    "MemberExpression",
    "ConditionalExpression",
    "CallExpression",
    "NewExpression",
    "SequenceExpression",
}

# Built-ins newer than ES5 that old TV browsers lack: the player must not need them.
NEWER_GLOBALS = {"Promise", "Map", "Set", "WeakMap", "Symbol", "fetch", "Proxy"}
NEWER_METHODS = {
    "find",
    "findIndex",
    "includes",
    "startsWith",
    "endsWith",
    "padStart",
    "padEnd",
    "repeat",
    "assign",
    "from",
    "closest",
    "append",
    "prepend",
    "remove",
}


def es5_violations(source: str) -> list[str]:
    problems: list[str] = []

    def visit(node: Any, meta: Any) -> None:
        where = f"linha {meta.start.line}"
        kind = node.type
        if kind not in ES5_NODES:
            problems.append(f"{where}: {kind}")
        elif kind == "VariableDeclaration" and node.kind != "var":
            problems.append(f"{where}: {node.kind}")
        elif kind == "Property" and (node.computed or node.method or node.shorthand):
            problems.append(f"{where}: propriedade ES2015")
        elif kind in {"FunctionDeclaration", "FunctionExpression"} and (
            node.generator
            or node.isAsync
            or any(param.type != "Identifier" for param in node.params)
        ):
            problems.append(f"{where}: função ES2015+")
        elif kind == "Literal" and node.regex and set(node.regex.flags) - set("gim"):
            problems.append(f"{where}: regex /{node.regex.flags}")
        elif kind == "Literal" and str(node.raw).lower().startswith(("0b", "0o")):
            problems.append(f"{where}: literal {node.raw}")

    esprima.parseScript(source, delegate=visit)
    return problems


def newer_builtins(source: str) -> list[str]:
    used: list[str] = []

    def visit(node: Any, meta: Any) -> None:
        if node.type == "Identifier" and node.name in NEWER_GLOBALS:
            used.append(node.name)
        elif (
            node.type == "MemberExpression"
            and not node.computed
            and node.property.name in NEWER_METHODS
        ):
            used.append("." + node.property.name)

    esprima.parseScript(source, delegate=visit)
    return used


@pytest.mark.parametrize("script", [PLAYER_JS, SERVICE_WORKER_JS], ids=lambda p: p.name)
def test_player_scripts_parse_as_es5(script: Path) -> None:
    assert es5_violations(script.read_text(encoding="utf-8")) == []


def test_player_script_uses_no_newer_builtins_unguarded() -> None:
    # Promise appears only behind `window.Promise` checks (fonts, service worker).
    used = newer_builtins(PLAYER_JS.read_text(encoding="utf-8"))
    assert set(used) <= {"Promise"}


@pytest.mark.parametrize(
    "snippet",
    [
        "let a = 1;",
        "const a = 1;",
        "var f = (x) => x;",
        "var s = `a${1}`;",
        "class A {}",
        "var {a} = b;",
        "function f(a = 1) {}",
        "function f(...a) {}",
        "for (var x of y) {}",
        "var o = {a};",
        "var o = {f() {}};",
        "var o = {[k]: 1};",
        "async function f() {}",
        "function* g() {}",
        "var r = /a/u;",
        "var n = 0b101;",
        "var x = [...a];",
    ],
)
def test_the_es5_check_refuses_newer_syntax(snippet: str) -> None:
    assert es5_violations(snippet)


def test_the_es5_check_accepts_es5() -> None:
    source = (
        '"use strict"; var o = {a: 1, get b() { return 2; }}; '
        "function f(x, y) { for (var k in o) { if (k) { continue; } } "
        "return /x/gi.test(x) ? y : void 0; }"
    )
    assert es5_violations(source) == []
