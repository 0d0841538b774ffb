"""The build: the package, the shipped packs, and the compiled DOM walk (optional).

Metadata lives in pyproject.toml. `cleaner/extract/_walk.pyx` is compiled with Cython against lxml's
headers; where it cannot be built (no C compiler, no Cython), the install goes on and `cleaner` uses
the same walk in Python (`cleaner.extract.dom.walk_tree`), which gives the same output, slower.
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup


def walk_extension() -> list:
    """The compiled walk's extension, or none where Cython or lxml's headers are missing."""
    try:
        import lxml
        from Cython.Build import cythonize
        from setuptools import Extension
    except ImportError:
        print("cleaner: Cython or lxml missing at build time; the DOM walk runs in Python")
        return []
    extension = Extension("cleaner.extract._walk", ["cleaner/extract/_walk.pyx"], include_dirs=lxml.get_include())
    extensions = cythonize([extension], language_level=3, quiet=True)
    for compiled in extensions:
        compiled.optional = True  # a failed compile leaves the Python walk, not a failed install
    return extensions


def packages() -> list[str]:
    """The code's packages, its data folders, and the shipped packs (rules/, installed as cleaner/rules)."""
    code = find_namespace_packages(include=["cleaner", "cleaner.*"], exclude=["*__pycache__*"])
    packs = [".".join(("cleaner", *folder.parts)) for folder in sorted(Path("rules").rglob("*")) if folder.is_dir()]
    return [*code, "cleaner.rules", *packs]


setup(
    packages=packages(),
    package_dir={"cleaner.rules": "rules"},  # read by cleaner.rules.builtin_rules_dir
    package_data={"": ["*.toml", "py.typed"], "cleaner.data": ["*"]},
    ext_modules=walk_extension(),
)
