#!/usr/bin/env python3
"""Fails on a module cycle in a Rust crate's src/ directory.

    scripts/check-module-cycles.py persistence/src
    scripts/check-module-cycles.py api/src --allow graphql/types
    scripts/check-module-cycles.py --self-test

Each .rs file is one node (a folder's mod.rs is the folder module's own node). A file depends on
every file whose items it names: through `use crate::…`, `use super::…`, `use self::…`, a path to a
child module it declares, or the same paths written in code (`crate::a::b::C`). A path resolves to
the deepest module that has a file of its own, so `crate::database::TenantDb` names
database.rs, and `super::Thing` from a child names its parent's file. A `mod` declaration is a
dependency of the parent on the child, so a child that uses its parent's own items closes a
circle: such items belong in a module of their own below both. Inline modules (`mod tests { … }`)
belong to their file; `super` inside them is the file's module. Test code (`#[cfg(test)] mod
tests { … }` or `#[cfg(test)] mod tests;`) is a node of its own that nothing depends on: it sits
above the crate, so its file's tests may use the crate's test support without a circle.

`--allow GROUP` (repeatable) treats the folder GROUP (relative to src/, with its mod.rs or the
sibling GROUP.rs) as one node: for modules that refer to each other by nature, such as GraphQL
object types. Cycles inside it are allowed; cycles through it are not.

Exit status 0 without cycles; 1 with, each printed as a chain of files; 2 on bad arguments.
Comments, string literals and `$crate` are ignored. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import deque
from pathlib import Path

KEYWORDS_BASE = {"crate", "super", "self"}
TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<path>::)
  | (?P<ident>\$?[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[{}();,*#\[\]])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def strip_comments_and_strings(text: str) -> str:
    """The source with comments, string, byte-string, raw-string and char literals blanked (kept
    as spaces so that tokens on either side stay apart)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            out.append(" ")
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            out.append(" ")
        elif (m := re.match(r'b?r(#*)"', text[i:])) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            closing = '"' + m.group(1)
            end = text.find(closing, i + m.end())
            i = n if end < 0 else end + len(closing)
            out.append(" ")
        elif c == '"' or (c == "b" and text.startswith('b"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"))):
            i += 2 if c == "b" else 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            out.append(" ")
        elif c == "'":
            # A char literal ('a', '\n', '\u{1F600}') or a lifetime ('a): only literals are blanked.
            m = re.match(r"'(\\(u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)|[^\\'])'", text[i:], re.DOTALL)
            if m:
                i += m.end()
                out.append(" ")
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def tokens(text: str) -> list[str]:
    result = []
    for m in TOKEN.finditer(strip_comments_and_strings(text)):
        kind = m.lastgroup
        if kind == "ws":
            continue
        result.append(m.group())
    return result


def module_of(src: Path, file: Path) -> tuple[str, ...]:
    """The module path of a file: () for lib.rs/main.rs, ("a", "b") for a/b.rs or a/b/mod.rs."""
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts == ["lib"] or parts == ["main"]:
        return ()
    if parts[-1] == "mod":
        parts.pop()
    return tuple(parts)


def parse_use_tree(toks: list[str], i: int, prefix: list[str], out: list[list[str]]) -> int:
    """Parses one use tree from toks[i]; appends each full path to out; returns the index after
    it (at ',', '}' or ';')."""
    path = list(prefix)
    while i < len(toks):
        t = toks[i]
        if t == "{":
            i += 1
            while i < len(toks) and toks[i] != "}":
                i = parse_use_tree(toks, i, path, out)
                if i < len(toks) and toks[i] == ",":
                    i += 1
            return i + 1
        if t == "*":
            out.append(path + ["*"])
            return i + 1
        if t == "::":
            i += 1
            continue
        if t in (",", "}", ";"):
            if path != prefix:
                out.append(path)
            return i
        if t == "as":
            out.append(path)
            return i + 2
        if re.match(r"^[A-Za-z_]\w*$", t):
            path.append(t)
            i += 1
            continue
        i += 1
    if path != prefix:
        out.append(path)
    return i


class Crate:
    def __init__(self, src: Path, allow: list[str]):
        self.src = src
        self.files = sorted(p for p in src.rglob("*.rs"))
        self.by_module: dict[tuple[str, ...], Path] = {}
        for f in self.files:
            self.by_module.setdefault(module_of(src, f), f)
        self.groups: list[tuple[str, ...]] = [tuple(Path(g.strip("/")).parts) for g in allow]
        # Files declared with `#[cfg(test)] mod …;`: test nodes, found while reading their parents.
        self.test_files: set[Path] = set()

    def node(self, file: Path) -> str:
        module = module_of(self.src, file)
        for group in self.groups:
            if module[: len(group)] == group:
                return "/".join(group) + "/ (allowed group)"
        return str(file.relative_to(self.src))

    def resolve(self, segments: list[str]) -> Path | None:
        """The file of the deepest module with a file of its own along an absolute path."""
        segments = [s for s in segments if s != "*"]
        for k in range(len(segments), -1, -1):
            file = self.by_module.get(tuple(segments[:k]))
            if file is not None:
                return file
        return None

    def dependencies(self, file: Path) -> tuple[set[Path], set[Path]]:
        """What the file's own code names, and what its inline test modules name."""
        toks = tokens(file.read_text(encoding="utf-8"))
        base = list(module_of(self.src, file))
        own: set[Path] = set()
        test: set[Path] = set()
        # Inline modules: (module path, brace depth at which it closes, whether test code).
        scopes: list[tuple[list[str], int, bool]] = [(base, -1, False)]
        depth = 0

        def cfg_test_before(i: int) -> bool:
            return toks[max(0, i - 7):i] == ["#", "[", "cfg", "(", "test", ")", "]"]

        def children_of(module: list[str]) -> set[str]:
            return {m[-1] for m in self.by_module if len(m) == len(module) + 1 and list(m[:-1]) == module}

        def absolute(path: list[str], current: list[str]) -> list[str] | None:
            if not path:
                return None
            head = path[0]
            if head == "crate":
                return path[1:]
            if head in ("super", "self"):
                module = list(current)
                while path and path[0] in ("super", "self"):
                    if path[0] == "super":
                        if not module:
                            return None
                        module.pop()
                    path = path[1:]
                return module + path
            if head in children_of(current):
                return current + path
            return None

        def add(path: list[str], current: list[str]) -> None:
            target = absolute(path, current)
            if target is None:
                return
            resolved = self.resolve(target)
            if resolved is not None and resolved != file:
                (test if scopes[-1][2] else own).add(resolved)

        i = 0
        while i < len(toks):
            t = toks[i]
            current = scopes[-1][0]
            if t == "{":
                depth += 1
            elif t == "}":
                depth -= 1
                if len(scopes) > 1 and depth == scopes[-1][1]:
                    scopes.pop()
            elif t == "mod" and i + 2 < len(toks) and re.match(r"^[A-Za-z_]\w*$", toks[i + 1]):
                name = toks[i + 1]
                is_test = scopes[-1][2] or cfg_test_before(i)
                if toks[i + 2] == ";":
                    child = self.by_module.get(tuple(current + [name]))
                    if child is not None and not is_test:
                        own.add(child)
                    elif child is not None:
                        self.test_files.add(child)
                    i += 3
                    continue
                if toks[i + 2] == "{":
                    scopes.append((current + [name], depth, is_test))
                    depth += 1
                    i += 3
                    continue
            elif t == "use":
                paths: list[list[str]] = []
                j = i + 1
                if j < len(toks) and toks[j] == "::":
                    j += 1
                while j < len(toks) and toks[j] != ";":
                    j = parse_use_tree(toks, j, [], paths)
                    if j < len(toks) and toks[j] == ",":
                        j += 1
                for path in paths:
                    add(path, current)
                i = j + 1
                continue
            elif t in KEYWORDS_BASE and i + 1 < len(toks) and toks[i + 1] == "::" and (i == 0 or toks[i - 1] != "::"):
                path = [t]
                j = i + 1
                while j + 1 < len(toks) and toks[j] == "::" and re.match(r"^[A-Za-z_]\w*$", toks[j + 1]):
                    path.append(toks[j + 1])
                    j += 2
                add(path, current)
                i = j
                continue
            elif (
                re.match(r"^[A-Za-z_]\w*$", t)
                and i + 2 < len(toks)
                and toks[i + 1] == "::"
                and (i == 0 or toks[i - 1] != "::")
                and t in children_of(current)
            ):
                add([t, toks[i + 2]], current)
            i += 1
        return own, test

    def graph(self) -> dict[str, dict[str, tuple[Path, Path]]]:
        """node -> {node it depends on: (one file, the file it names)}."""
        found = {f: self.dependencies(f) for f in self.files}
        edges: dict[str, dict[str, tuple[Path, Path]]] = {}

        def edge(a: str, f: Path, dep: Path) -> None:
            edges.setdefault(a, {})
            b = self.node(dep)
            edges.setdefault(b, {})
            if a != b:
                edges[a].setdefault(b, (f, dep))

        for f, (own, test) in found.items():
            a = self.node(f) + (" (tests)" if f in self.test_files else "")
            edges.setdefault(a, {})
            for dep in sorted(own):
                edge(a, f, dep)
            for dep in sorted(test):
                edge(self.node(f) + " (tests)", f, dep)
        return edges


def strongly_connected(edges: dict[str, dict[str, object]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        # Iterative Tarjan: the crates are small, but recursion limits are not worth meeting.
        work = [(v, iter(sorted(edges[v])))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                    advanced = True
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == node:
                        break
                if len(component) > 1:
                    result.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(result)


def shortest_cycles(edges: dict[str, dict[str, object]], component: list[str]) -> list[list[str]]:
    """For each node of a strongly connected component, the shortest cycle through it, without
    repeats (rotations count as one)."""
    members = set(component)
    seen: set[tuple[str, ...]] = set()
    cycles = []
    for start in component:
        parent: dict[str, str | None] = {start: None}
        queue = deque([start])
        found = None
        while queue and found is None:
            v = queue.popleft()
            for w in sorted(edges[v]):
                if w not in members:
                    continue
                if w == start:
                    found = v
                    break
                if w not in parent:
                    parent[w] = v
                    queue.append(w)
        if found is None:
            continue
        chain = [found]
        while parent[chain[-1]] is not None:
            chain.append(parent[chain[-1]])
        chain.reverse()
        k = chain.index(min(chain))
        key = tuple(chain[k:] + chain[:k])
        if key not in seen:
            seen.add(key)
            cycles.append(list(key))
    return cycles


def check(src: Path, allow: list[str], out=sys.stdout) -> int:
    crate = Crate(src, allow)
    edges = crate.graph()
    components = strongly_connected(edges)
    if not components:
        print(f"{src}: no module cycles ({len(edges)} nodes)", file=out)
        return 0
    for component in components:
        for cycle in shortest_cycles(edges, component):
            print(f"{src}: cycle: " + " -> ".join(cycle + [cycle[0]]), file=out)
    return 1


def self_test() -> int:
    import io
    import tempfile

    def tree(files: dict[str, str]) -> Path:
        root = Path(tempfile.mkdtemp(prefix="cycles-"))
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root

    def run(files: dict[str, str], allow: list[str] | None = None) -> tuple[int, str]:
        out = io.StringIO()
        code = check(tree(files), allow or [], out)
        return code, out.getvalue()

    cases = [
        # (name, files, allow, expected exit status, text that must be printed)
        ("one-way layers pass", {
            "lib.rs": "mod a;\nmod b;\npub use a::A;\n",
            "a.rs": "use crate::b::B;\npub struct A(B);\n",
            "b.rs": "pub struct B;\n",
        }, None, 0, "no module cycles"),
        ("two modules using each other", {
            "lib.rs": "mod a;\nmod b;\n",
            "a.rs": "use crate::b::B;\npub struct A;\n",
            "b.rs": "pub fn f() -> crate::a::A { crate::a::A }\npub struct B;\n",
        }, None, 1, "a.rs -> b.rs -> a.rs"),
        ("a child using its parent's own item", {
            "lib.rs": "mod p;\n",
            "p/mod.rs": "mod c;\npub struct Thing;\npub use c::Other;\n",
            "p/c.rs": "use super::Thing;\npub struct Other(Thing);\n",
        }, None, 1, "p/c.rs -> p/mod.rs -> p/c.rs"),
        ("a child using a sibling through super passes", {
            "lib.rs": "mod p;\n",
            "p/mod.rs": "mod c;\nmod d;\npub use c::Other;\n",
            "p/c.rs": "use super::d::Thing;\npub struct Other(Thing);\n",
            "p/d.rs": "pub struct Thing;\n",
        }, None, 0, "no module cycles"),
        ("an inline test module's super is its own file", {
            "lib.rs": "mod a;\n",
            "a.rs": "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test] fn t() { f() }\n}\n",
        }, None, 0, "no module cycles"),
        ("use groups and nested groups are followed", {
            "lib.rs": "mod a;\nmod b;\nmod c;\n",
            "a.rs": "use crate::{b::B, c::{self as cc, C}};\n",
            "b.rs": "pub struct B;\n",
            "c.rs": "pub struct C;\npub fn g() { let _ = crate::a::f; }\n",
        }, None, 1, "a.rs -> c.rs -> a.rs"),
        ("comments, strings and doc links are not dependencies", {
            "lib.rs": "mod a;\nmod b;\n",
            "a.rs": "use crate::b::B;\n",
            "b.rs": "/// See [`crate::a::A`].\n// crate::a::x\n/* crate::a::y */\npub struct B;\npub const S: &str = \"crate::a::z\";\npub const R: &str = r#\"crate::a::w\"#;\n",
        }, None, 0, "no module cycles"),
        ("three modules in a ring", {
            "lib.rs": "mod a;\nmod b;\nmod c;\n",
            "a.rs": "use crate::b::B;\n",
            "b.rs": "use crate::c::C;\npub struct B;\n",
            "c.rs": "use crate::a::A;\npub struct C;\n",
        }, None, 1, "a.rs -> b.rs -> c.rs -> a.rs"),
        ("the root's re-exports used by a module close a circle", {
            "lib.rs": "mod a;\nmod b;\npub use b::B;\n",
            "a.rs": "impl crate::B {}\n",
            "b.rs": "pub struct B;\n",
        }, None, 1, "a.rs -> lib.rs -> a.rs"),
        ("an allowed folder is one node", {
            "lib.rs": "mod types;\nmod query;\n",
            "types/mod.rs": "mod child;\nmod referral;\npub use child::Child;\npub use referral::Referral;\n",
            "types/child.rs": "use super::referral::Referral;\npub struct Child(Vec<Referral>);\n",
            "types/referral.rs": "use super::child::Child;\npub struct Referral(Box<Child>);\n",
            "query.rs": "use crate::types::Child;\n",
        }, ["types"], 0, "no module cycles"),
        ("without --allow the same folder fails", {
            "lib.rs": "mod types;\n",
            "types/mod.rs": "mod child;\nmod referral;\n",
            "types/child.rs": "use super::referral::Referral;\npub struct Child;\n",
            "types/referral.rs": "use super::child::Child;\npub struct Referral;\n",
        }, None, 1, "types/child.rs -> types/referral.rs -> types/child.rs"),
        ("a cycle through an allowed folder still fails", {
            "lib.rs": "mod types;\nmod query;\n",
            "types/mod.rs": "mod child;\n",
            "types/child.rs": "use crate::query::Q;\npub struct Child;\n",
            "query.rs": "use crate::types::child::Child;\npub struct Q;\n",
        }, ["types"], 1, "query.rs -> types/ (allowed group) -> query.rs"),
        ("test code may use test support that depends on its module", {
            "lib.rs": "mod a;\npub mod testing;\n",
            "a.rs": "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::testing::T;\n}\n",
            "testing.rs": "pub struct T;\npub fn g() { crate::a::f() }\n",
        }, None, 0, "no module cycles"),
        ("a test file declared with cfg(test) is a test node", {
            "lib.rs": "mod p;\npub mod testing;\n",
            "p/mod.rs": "mod c;\n#[cfg(test)]\nmod tests;\n",
            "p/c.rs": "pub fn f() {}\n",
            "p/tests.rs": "use crate::testing::T;\nuse super::c::f;\n",
            "testing.rs": "pub struct T;\npub fn g() { crate::p::c::f() }\n",
        }, None, 0, "no module cycles"),
        ("code outside a test module still counts", {
            "lib.rs": "mod a;\npub mod testing;\n",
            "a.rs": "#[cfg(test)]\nmod tests {}\npub fn f() { crate::testing::g() }\n",
            "testing.rs": "pub fn g() { crate::a::f() }\n",
        }, None, 1, "a.rs -> testing.rs -> a.rs"),
        ("a relative path to a declared child counts", {
            "lib.rs": "mod a;\nmod b;\n",
            "a.rs": "mod inner;\npub fn f() { inner::g() }\n",
            "a/inner.rs": "pub fn g() { crate::b::h() }\n",
            "b.rs": "pub fn h() { crate::a::f() }\n",
        }, None, 1, "a.rs -> a/inner.rs -> b.rs -> a.rs"),
    ]
    failures = 0
    for name, files, allow, expected, text in cases:
        code, output = run(files, allow)
        if code != expected or text not in output:
            failures += 1
            print(f"FAIL {name}: exit {code} (wanted {expected}), output:\n{output}", file=sys.stderr)
        else:
            print(f"ok   {name}")
    print(f"{len(cases) - failures} passed, {failures} failed")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", nargs="*", type=Path, help="a crate's src/ directory")
    parser.add_argument("--allow", action="append", default=[], metavar="GROUP",
                        help="a folder under src/ to treat as one node")
    parser.add_argument("--self-test", action="store_true", help="run the checker's own tests")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if not args.src:
        parser.print_usage(sys.stderr)
        return 2
    status = 0
    for src in args.src:
        if not src.is_dir():
            print(f"{src}: not a directory", file=sys.stderr)
            return 2
        status |= check(src, args.allow)
    return status


if __name__ == "__main__":
    sys.exit(main())
