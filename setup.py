"""Package list for setuptools (everything else is in pyproject.toml).

Only `kiosk` and `hardware` are importable top-level packages. The model manifest and int8 ranges stay
in the project's `models/` folder and are installed as `kiosk/models/data/`; `bench/` is not installed.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["kiosk*", "hardware*"]), "kiosk.models.data"],
    package_dir={"kiosk.models.data": "models"},
)
