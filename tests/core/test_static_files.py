"""Every static file the app serves references only files that are shipped.

``collectstatic`` in production (the manifest storage) aborts on a reference to a missing
file (a vendored ``sourceMappingURL`` without its map), and every page then answers 500.
"""

from __future__ import annotations

import posixpath
import re

from django.contrib.staticfiles import finders

# What the manifest storage rewrites (Django's ManifestStaticFilesStorage.patterns): CSS
# url() and @import, and the source map comments of CSS and JavaScript.
CSS_REFERENCES = [
    re.compile(r"""url\(\s*(['"]?)\s*(?P<name>[^'")\s]+)\s*\1\s*\)""", re.IGNORECASE),
    re.compile(r"""@import\s*(['"])(?P<name>[^'"]+)\1""", re.IGNORECASE),
    re.compile(r"""/\*#\s*sourceMappingURL=(?P<name>[^\s*]+)\s*\*/"""),
]
JS_REFERENCES = [re.compile(r"""^//# (?-i:sourceMappingURL)=(?P<name>\S+)\s*$""", re.M)]


def shipped_static_files() -> dict[str, str]:
    """Every static path the finders serve, with its file on disk (first finder wins)."""
    found: dict[str, str] = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            found.setdefault(path.replace("\\", "/"), storage.path(path))
    return found


def _is_external(name: str) -> bool:
    return name.startswith(("data:", "#", "http:", "https:", "//", "about:")) or "{" in name


def dangling_references(files: dict[str, str]) -> list[str]:
    problems = []
    for path, disk in sorted(files.items()):
        if path.endswith(".css"):
            patterns = CSS_REFERENCES
        elif path.endswith((".js", ".mjs")):
            patterns = JS_REFERENCES
        else:
            continue
        with open(disk, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        for pattern in patterns:
            for match in pattern.finditer(text):
                name = match.group("name")
                if _is_external(name):
                    continue
                name = name.split("#", 1)[0].split("?", 1)[0]
                if name.startswith("/"):
                    continue  # absolute URLs are not rewritten by the manifest storage
                target = posixpath.normpath(posixpath.join(posixpath.dirname(path), name))
                if target not in files:
                    problems.append(f"{path} references {name} ({target}), which is not shipped")
    return problems


def test_no_static_file_references_a_file_that_is_not_shipped() -> None:
    files = shipped_static_files()
    assert "vendor/bootstrap/bootstrap.min.css" in files  # the scan sees the vendored files
    problems = dangling_references(files)
    assert not problems, "\n".join(problems)


def test_the_scan_finds_a_dangling_source_map(tmp_path) -> None:
    script = tmp_path / "lib.min.js"
    script.write_text("var a=1;\n//# sourceMappingURL=lib.min.js.map", encoding="utf-8")
    style = tmp_path / "lib.css"
    style.write_text("a{background:url('img/x.png')}\n/*# sourceMappingURL=lib.css.map */")
    problems = dangling_references({"v/lib.min.js": str(script), "v/lib.css": str(style)})
    assert len(problems) == 3, problems
