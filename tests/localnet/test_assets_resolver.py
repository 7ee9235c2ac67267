"""node.assets finds shipped files in a repo checkout and in an installed wheel (tao_wallet/assets)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from node.assets import asset_roots, find_asset
from node.localnet.metadata import ASSETS_METADATA, SPEC461_HEX
from node.localnet.metadata_extension import EXTENDED_SPEC_VERSION
from node.localnet.subtensor.api_codec import V15_PATH
from node.localnet.subtensor.scenario import DEMO_SCENARIO

REPO = Path(__file__).resolve().parents[2]


def _layout(base: Path, sub: str) -> Path:
    target = base / sub / "localnet" / "demo.toml"
    target.parent.mkdir(parents=True)
    target.write_text(f'seed = "{sub}"\n')
    return target


def test_checkout_layout(tmp_path: Path) -> None:
    target = _layout(tmp_path, "assets")
    assert find_asset("localnet", "demo.toml", roots=asset_roots(tmp_path)) == target


def test_installed_wheel_layout(tmp_path: Path) -> None:
    target = _layout(tmp_path, "tao_wallet/assets")  # site-packages/{node,tao_wallet/assets}
    assert find_asset("localnet", "demo.toml", roots=asset_roots(tmp_path)) == target


def test_checkout_wins_over_wheel_copy(tmp_path: Path) -> None:
    checkout = _layout(tmp_path, "assets")
    _layout(tmp_path, "tao_wallet/assets")
    assert find_asset("localnet", "demo.toml", roots=asset_roots(tmp_path)) == checkout


def test_missing_asset_names_every_place_searched(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as err:
        find_asset("localnet", "nope.toml", roots=asset_roots(tmp_path))
    message = str(err.value)
    assert str(tmp_path / "assets" / "localnet" / "nope.toml") in message
    assert str(tmp_path / "tao_wallet" / "assets" / "localnet" / "nope.toml") in message
    with pytest.raises(ValueError):
        find_asset()


def test_node_constants_resolve_to_real_files() -> None:
    assert (ASSETS_METADATA / SPEC461_HEX) == REPO / "assets" / "metadata" / SPEC461_HEX
    assert V15_PATH.read_text().startswith("0x")
    assert tomllib.loads(DEMO_SCENARIO.read_text())["seed"] == "tao-wallet-demo"


def test_pyproject_ships_assets_where_the_resolver_looks() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    include = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include["assets"] == "tao_wallet/assets"
    packages = config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert "node" in packages and "tao_wallet" in packages  # siblings in site-packages


@pytest.mark.slow
def test_built_wheel_finds_its_assets(tmp_path: Path) -> None:
    """Build the real wheel, unpack it as pip would (pure-python), and load the assets from there."""
    import subprocess
    import sys
    import zipfile

    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                            str(REPO), "-w", str(tmp_path / "dist")], capture_output=True, text=True, timeout=600)
    if built.returncode != 0:
        pytest.skip(f"cannot build the wheel here: {built.stderr[-400:]}")
    (wheel,) = (tmp_path / "dist").glob("tao_wallet-*.whl")
    site = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)
    assert not (site / "assets").exists()  # only the tao_wallet/assets copy ships
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import node, node.assets as a;"
        "from node.localnet.metadata import load_metadata, ASSETS_METADATA;"
        "from node.localnet.subtensor.scenario import DEMO_SCENARIO, load_scenario;"
        "print(node.__file__); print(a.find_asset('localnet', 'demo.toml')); print(ASSETS_METADATA);"
        "print(load_metadata().version['spec_version'], len(load_scenario(DEMO_SCENARIO).subnets))"
    )
    run = subprocess.run([sys.executable, "-c", code, str(site)], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.split("\n")
    assert lines[0].startswith(str(site / "node"))
    assert lines[1] == str(site / "tao_wallet" / "assets" / "localnet" / "demo.toml")
    assert lines[2] == str(site / "tao_wallet" / "assets" / "metadata")
    assert lines[3].split() == [str(EXTENDED_SPEC_VERSION), "4"]
